package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * ppl through the command line with a GGUF's own SentencePiece tokenizer (not the byte test tokenizer the other
 * command tests use; the llama2.c GGUF's vocabulary is llama.cpp's placeholder, so the perplexity itself means
 * nothing), against a perplexity computed here directly from full forward passes: the CLI must tokenize, place
 * BOS and cut GPTQ windows exactly so.
 */
class RealTokenizerCommandsTest {
    static final Path MODEL = Fixtures.shared().resolve("models/llama2c-260k/model.gguf");

    @TempDir
    Path tmp;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[]{String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void pplMatchesADirectComputationOverTheSameWindows() throws Exception {
        Path text = tmp.resolve("story.txt");
        Files.writeString(text, ("Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. "
                + "One day, she saw a big red ball in the park. ").repeat(3));
        String[] r = run("ppl", "--model", MODEL.toString(), "--dataset", text.toString(), "--ctx", "48", "--json", "--no-store");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);

        Tokenizer tok = Tokenizers.load(MODEL);
        int[] ids = tok.encode(Files.readString(text), true, false);   // SentencePiece llama: BOS once, at the start
        assertThat(ids[0]).isEqualTo(1);
        Model m = ModelLoader.load(MODEL);
        try {
            Transformer t = new Transformer(m);
            int vocab = m.config().vocabSize(), ctx = 48, windows = ids.length / ctx;
            double nll = 0;
            for (int w = 0; w < windows; w++) {
                int[] win = Arrays.copyOfRange(ids, w * ctx, (w + 1) * ctx);
                float[] logits = t.logits(win);
                for (int p = 0; p + 1 < ctx; p++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int v = 0; v < vocab; v++) max = Math.max(max, logits[p * vocab + v]);
                    for (int v = 0; v < vocab; v++) sum += Math.exp(logits[p * vocab + v] - max);
                    nll -= logits[p * vocab + win[p + 1]] - max - Math.log(sum);
                }
            }
            double ppl = Math.exp(nll / (windows * (ctx - 1.0)));
            assertThat(json.get("windows").asInt()).isEqualTo(windows);
            assertThat(json.get("ppl").asDouble()).isCloseTo(ppl, within(1e-4 * ppl));
        } finally {
            m.checkpoint().close();
        }
    }
}
