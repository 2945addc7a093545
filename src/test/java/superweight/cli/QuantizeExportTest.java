package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.format.GgufFile;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static superweight.cli.AnalysisCommandsTest.IDS;
import static superweight.cli.AnalysisCommandsTest.MODEL;
import static superweight.cli.AnalysisCommandsTest.TOKENS;
import static superweight.cli.AnalysisCommandsTest.VOCAB;
import static superweight.cli.AnalysisCommandsTest.run;

/** quantize --out: the written file is the model that was evaluated in place, with its scheme in the metadata. */
class QuantizeExportTest {
    @TempDir
    Path tmp;

    private static double perplexity(float[] logits) {
        double nll = 0;
        for (int i = 0; i + 1 < TOKENS.length; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < VOCAB; v++) max = Math.max(max, logits[i * VOCAB + v]);
            for (int v = 0; v < VOCAB; v++) sum += Math.exp(logits[i * VOCAB + v] - max);
            nll -= logits[i * VOCAB + TOKENS[i + 1]] - max - Math.log(sum);
        }
        return Math.exp(nll / (TOKENS.length - 1));
    }

    @Test
    void theExportedGgufIsTheQuantizedModelEvaluatedInPlace() throws Exception {
        Path out = tmp.resolve("int4.gguf");
        var r = run("quantize", "--model", MODEL, "--weights", "int4", "--block", "tensor", "--clip", "z:3", "--restore-sw",
                "--super-weights", "1:27:121", "--ppl-tokens", IDS, "--window", String.valueOf(TOKENS.length),
                "--out", out.toString(), "--out-type", "f32", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        double inPlace = j.get("metrics").get("ppl:tokens").asDouble();
        assertThat(j.get("written").get("files").get(0).asText()).isEqualTo(out.toString());
        Model original = ModelLoader.load(Path.of(MODEL));
        Model exported = ModelLoader.load(out);
        try {
            double fromFile = perplexity(new Transformer(exported).logits(TOKENS));
            assertThat(fromFile).isCloseTo(inPlace, within(1e-5 * inPlace));
            assertThat(fromFile).isNotCloseTo(perplexity(new Transformer(original).logits(TOKENS)), within(1e-4 * inPlace));
            // the restored super weight is the checkpoint's value, bit for bit
            assertThat(Float.floatToRawIntBits(exported.layers().get(1).down().get(27, 121)))
                    .isEqualTo(Float.floatToRawIntBits(original.layers().get(1).down().get(27, 121)));
        } finally {
            original.checkpoint().close();
            exported.checkpoint().close();
        }
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(Arrays.asList(g.getStringArray("superweight.derivation"))).containsExactly(j.get("key").asText());
        }
    }
}
