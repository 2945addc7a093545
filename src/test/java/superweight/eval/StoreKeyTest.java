package superweight.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What keeps stored results apart, and the bootstrap stderr against the delta method. */
class StoreKeyTest {
    @TempDir
    Path tmp;

    @Test
    void twoModelsWithTheSameShapesNeverShareStoredWindows() throws Exception {
        // the llama fixture and the planted fixture: same config, same tokenizer, different weights
        Path text = Files.writeString(tmp.resolve("t.txt"), "the quick brown fox jumps over the lazy dog. ".repeat(20));
        Tokenizer tok = Tokenizers.load(Fixtures.arch("llama").resolve("model-f32.gguf"));
        Model llama = ModelLoader.load(Fixtures.arch("llama").resolve("model.safetensors"));
        Model planted = ModelLoader.load(Fixtures.shared().resolve("fixtures/planted/model.safetensors"));
        try {
            Path store = tmp.resolve("runs.duckdb");
            var stored = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, null, store, "original", Progress.NONE);
            var fresh = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, null, null, "original", Progress.NONE);
            double a = Evaluation.perplexity(llama, tok, Interventions.NONE, text.toString(), stored).ppl();
            double b = Evaluation.perplexity(planted, tok, Interventions.NONE, text.toString(), stored).ppl();
            assertThat(b).isEqualTo(Evaluation.perplexity(planted, tok, Interventions.NONE, text.toString(), fresh).ppl());
            assertThat(b).isNotCloseTo(a, within(1e-6 * a));
        } finally {
            llama.checkpoint().close();
            planted.checkpoint().close();
        }
    }

    @Test
    void bootstrapStderrOfPerplexityAgreesWithTheDeltaMethod() {
        // exp(-mean) has derivative -exp(-mean): stderr(ppl) ~ ppl * sd(ll) / sqrt(n) for large n
        SplittableRandom rnd = new SplittableRandom(3);
        double[] ll = new double[2000];
        for (int i = 0; i < ll.length; i++) ll[i] = -2.0 + 0.5 * (rnd.nextDouble() - 0.5) * Math.sqrt(12);   // sd 0.5
        double ppl = Metrics.perplexity(ll);
        double delta = ppl * Metrics.sampleStddev(ll) / Math.sqrt(ll.length);
        double boot = Metrics.perplexityStderr(ll, 20_000, 1);
        assertThat(boot).isCloseTo(delta, within(0.05 * delta));
    }
}
