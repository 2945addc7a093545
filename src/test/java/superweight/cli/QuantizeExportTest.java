package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;
import superweight.model.format.GgufFile;
import superweight.quant.ActivationQuantizer;
import superweight.quant.SuperOutlier;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static superweight.cli.AnalysisCommandsTest.IDS;
import static superweight.cli.AnalysisCommandsTest.MODEL;
import static superweight.cli.AnalysisCommandsTest.TOKENS;
import static superweight.cli.AnalysisCommandsTest.perplexity;
import static superweight.cli.AnalysisCommandsTest.run;

/** quantize --out: the written file is the model that was evaluated in place, with its scheme in the metadata. */
class QuantizeExportTest {
    @TempDir
    Path tmp;

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

    @Test
    void activationsQuantizeTheInputsOfTheWeightQuantizedModel() throws Exception {
        Path out = tmp.resolve("int8.gguf");
        var r = run("quantize", "--model", MODEL, "--weights", "int8", "--block", "channel", "--activations", "int8",
                "--sa", "replace-restore", "--super-weights", "1:27:121", "--ppl-tokens", IDS, "--window", String.valueOf(TOKENS.length),
                "--out", out.toString(), "--out-type", "f32", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("activations").asText()).startsWith("act-quant{bits=8,").contains("sa=replace-median-restore[1:down:121,2:q:27");
        Model weightsOnly = ModelLoader.load(out);
        try {
            var hook = new ActivationQuantizer(8, ActivationQuantizer.Granularity.PER_TENSOR,
                    EnumSet.allOf(Linear.class),
                    SuperOutlier.of(List.of(SuperWeight.at(1, 27, 121)), weightsOnly.config(),
                            SuperOutlier.Scope.ALL), null, Map.of());
            double want = perplexity(new Transformer(weightsOnly).logits(TOKENS, Taps.NONE,
                    Interventions.NONE.withLinearInputHook(hook)));
            double got = j.get("metrics").get("ppl:tokens").asDouble();
            assertThat(got).isCloseTo(want, within(1e-5 * want));
            assertThat(got).isNotCloseTo(perplexity(new Transformer(weightsOnly).logits(TOKENS)), within(1e-5 * want));
        } finally {
            weightsOnly.checkpoint().close();
        }
        var bad = run("quantize", "--model", MODEL, "--activations", "fp8", "--no-store", "--ppl-tokens", IDS);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("error: --activations fp8: expected int8 (or int2..int8)");
    }
}
