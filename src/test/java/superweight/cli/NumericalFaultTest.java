package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A NaN planted in one weight (layer 1, down_proj W[0, 0] of the llama fixture) is reported at the logits, located
 * by --check-numerics in layer 1's MLP output (channel 0 = the weight's row, from position 0 on), and found by
 * info --check; a sweep cell whose factor overflows the forward pass is recorded as NaN and the sweep goes on.
 */
class NumericalFaultTest {
    @TempDir
    static Path tmp;
    static String bad;

    @BeforeAll
    static void plantNaN() {
        GgufWriter w = new GgufWriter();
        try (GgufFile src = GgufFile.open(Fixtures.arch("llama").resolve("model-f32.gguf"))) {
            src.metadata().forEach((k, v) -> {
                if (!k.startsWith("tokenizer.")) w.put(k, v);
            });
            for (GgufFile.TensorInfo t : src.tensors().values()) {
                byte[] data = src.data(t).toArray(ValueLayout.JAVA_BYTE);
                if (t.name().equals("blk.1.ffn_down.weight")) ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN);
                w.tensor(t.name(), t.dims(), t.ggmlType(), data);
            }
        }
        Path p = tmp.resolve("nan.gguf");
        w.write(p);
        bad = p.toString();
    }

    @Test
    void theLogitsAreAlwaysChecked() {
        CommandLineTest.Result r = CommandLineTest.run("score", "--model", bad, "--tokens", "1,5,9,13", "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).isEqualTo("error: logits: NaN at position 0, token 0; run with --check-numerics to find the "
                + "first layer and operation where it appeared");
    }

    @Test
    void checkNumericsNamesTheFirstLayerAndOperation() {
        CommandLineTest.Result r = CommandLineTest.run("score", "--check-numerics", "--model", bad, "--tokens", "1,5,9,13");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: layer 1 MLP output (down_proj): NaN at position 0, channel 0 "
                + "(the first non-finite value of this forward pass)");
        CommandLineTest.Result good = CommandLineTest.run("score", "--check-numerics", "--model",
                Fixtures.arch("llama").resolve("model-f32.gguf").toString(), "--tokens", "1,5,9,13");
        assertThat(good.code()).as(good.err()).isZero();
    }

    @Test
    void infoCheckReportsTheNaNWeight() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("info", "--check", "--model", bad, "--json");
        assertThat(r.code()).isEqualTo(1);
        JsonNode j = new ObjectMapper().readTree(r.out()).get("non_finite_weights");
        assertThat(j).hasSize(1);
        assertThat(j.get(0).toString()).isEqualTo("{\"tensor\":\"blk.1.ffn_down.weight\",\"nan\":1,\"inf\":0,\"row\":0,\"column\":0}");
        assertThat(r.err()).contains("1 tensors hold NaN or infinite weights (first: blk.1.ffn_down.weight row 0 column 0)");
        CommandLineTest.Result good = CommandLineTest.run("info", "--check", "--model",
                Fixtures.arch("llama").resolve("model-f32.gguf").toString(), "--json");
        assertThat(good.code()).as(good.err()).isZero();
        assertThat(new ObjectMapper().readTree(good.out()).get("non_finite_weights")).isEmpty();
    }

    @Test
    void aSweepCellThatOverflowsIsRecordedAsNaNAndTheSweepGoesOn() throws Exception {
        Path out = tmp.resolve("sweep");
        AnalysisCommandsTest.Run r = AnalysisCommandsTest.run("sweep", "--model", AnalysisCommandsTest.MODEL, "--super-weights", "1:27:121",
                "--no-store", "--ppl-tokens", AnalysisCommandsTest.IDS, "--factors", "1,1e38,2", "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode pts = r.json().get("points");
        assertThat(pts).hasSize(3);
        assertThat(pts.get(0).get("metrics").get("ppl:tokens").isNumber()).isTrue();
        assertThat(pts.get(1).get("metrics").get("ppl:tokens").asText()).isEqualTo("NaN");
        assertThat(pts.get(2).get("metrics").get("ppl:tokens").isNumber()).isTrue();
        assertThat(r.err()).contains("note: scale:1.0E38 ppl:tokens: NaN, the forward pass is not finite");
    }
}
