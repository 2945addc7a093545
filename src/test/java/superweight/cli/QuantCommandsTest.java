package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.analysis.SuperWeight;
import superweight.engine.Transformer;
import superweight.eval.ByteTestTokenizer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** quantize and quant-sweep end to end on the planted fixture (byte-level test tokenizer standing in). */
class QuantCommandsTest {
    final StringWriter out = new StringWriter(), err = new StringWriter();
    final String planted = Fixtures.shared().resolve("fixtures/planted").toString();

    @BeforeEach
    void testTokenizer() {
        ModelTokenizer.loader = p -> new ByteTestTokenizer(true);
    }

    @AfterEach
    void realTokenizer() {
        ModelTokenizer.loader = Tokenizers::load;
    }

    int run(String... args) {
        out.getBuffer().setLength(0);
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void quantizeReportsTheSchemeRestoresTheSuperWeightAndEvaluates(@TempDir Path dir) throws Exception {
        String store = dir.resolve("runs.duckdb").toString();
        int code = run("quantize", "--model", planted, "--weights", "int4", "--block", "4096", "--clip", "z:9", "--restore-sw",
                "--super-weights", "1:27:121", "--ppl-tokens", "1,5,9,13,17,21,25,29,33,37", "--window", "5", "--json", "--store", store);
        assertThat(code).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString());
        assertThat(j.get("key").asText()).contains("block=4096", "clip=z:9.0", "restore=1.0@[1:27:121]");
        assertThat(j.get("restored_super_weights").get(0).get("row").asInt()).isEqualTo(27);
        assertThat(j.get("packed").asBoolean()).isTrue();
        // down_proj is 64 x 176 = 11264 elements: 4096 does not divide it, so it is one block (the reference's rule)
        JsonNode down = null;
        for (JsonNode u : j.get("units")) if (u.get("tensor").asText().equals("layers.1.down")) down = u;
        assertThat(down.get("whole_tensor_fallback").asBoolean()).isTrue();
        assertThat(down.get("blocks").asInt()).isEqualTo(1);
        assertThat(j.get("quantized_weight_bytes").asLong()).isLessThan(j.get("bf16_weight_bytes").asLong() / 3);
        WeightScheme int4 = new WeightScheme("int4", BlockSize.parse("4096"), RaggedBlocks.parse("whole"), ClipRule.parse("z:9"), 1f, false);
        double int4Ppl = directPpl(int4, List.of(SuperWeight.at(1, 27, 121)));
        assertThat(j.get("metrics").get("ppl:tokens").asDouble()).isCloseTo(int4Ppl, within(1e-4 * int4Ppl));
        // a different scheme evaluates to its own number (nothing shared through the store)
        code = run("quantize", "--model", planted, "--weights", "int2", "--block", "tensor", "--ppl-tokens", "1,5,9,13,17,21,25,29,33,37",
                "--window", "5", "--json", "--store", store);
        assertThat(code).as(err.toString()).isZero();
        WeightScheme int2 = new WeightScheme("int2", BlockSize.parse("tensor"), RaggedBlocks.parse("whole"), ClipRule.parse("none"), Float.NaN, false);
        double int2Ppl = directPpl(int2, List.of());
        assertThat(new ObjectMapper().readTree(out.toString()).get("metrics").get("ppl:tokens").asDouble()).isCloseTo(int2Ppl, within(1e-4 * int2Ppl));
        assertThat(Math.abs(int2Ppl - int4Ppl)).as("the two schemes give different models").isGreaterThan(1e-2 * int4Ppl);
    }

    /**
     * The perplexity of --ppl-tokens 1,5,..,37 with --window 5 computed here: the model quantized by the scheme, the
     * ten ids cut into two windows of five, each run in one full pass, positions 0..3 predicting the next id with a
     * log-softmax written here (8 scored tokens).
     */
    private double directPpl(WeightScheme scheme, List<SuperWeight> restore) {
        int[] ids = {1, 5, 9, 13, 17, 21, 25, 29, 33, 37};
        Model base = ModelLoader.load(Path.of(planted));
        try {
            Model q = WeightQuantizer.apply(base, scheme, restore).model();
            Transformer t = new Transformer(q);
            int vocab = q.config().vocabSize();
            double nll = 0;
            for (int w = 0; w < 2; w++) {
                int[] window = Arrays.copyOfRange(ids, 5 * w, 5 * w + 5);
                float[] logits = t.logits(window);
                for (int p = 0; p < 4; p++) {
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (int v = 0; v < vocab; v++) max = Math.max(max, logits[p * vocab + v]);
                    for (int v = 0; v < vocab; v++) z += Math.exp(logits[p * vocab + v] - max);
                    nll -= logits[p * vocab + window[p + 1]] - max - Math.log(z);
                }
            }
            return Math.exp(nll / 8);
        } finally {
            base.checkpoint().close();
        }
    }

    @Test
    void quantizeZAutoReportsTheChosenZPerTensorAndKeysThem() throws Exception {
        int code = run("quantize", "--model", planted, "--block", "tensor", "--clip", "z:auto", "--z-grid", "2:8:2",
                "--calibration-windows", "2", "--calibration-length", "16", "--restore-sw", "--super-weights", "1:27:121", "--json");
        assertThat(code).as(err.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(out.toString());
        JsonNode z = j.get("z_search");
        assertThat(z.get("grid")).hasSize(4);
        assertThat(z.get("chosen")).hasSize(21);
        assertThat(z.get("calibration").asText()).contains("2 windows", "wikitext2-valid");
        for (JsonNode c : z.get("chosen")) {
            assertThat(c.get("z").asDouble()).isIn(2.0, 4.0, 6.0, 8.0);
            assertThat(j.get("key").asText()).contains(c.get("tensor").asText() + "=" + c.get("z").asDouble());
        }
        assertThat(run("quantize", "--model", planted, "--clip", "z:auto", "--z-grid", "4:2:1")).isEqualTo(1);
        assertThat(err.toString()).contains("error: --z-grid");
    }

    @Test
    void quantizeRefusesBadOptionsWithOneLine() {
        assertThat(run("quantize", "--model", planted, "--weights", "int9")).isEqualTo(1);
        assertThat(err.toString()).contains("error: --weights 'int9'");
        assertThat(run("quantize", "--model", planted, "--clip", "bp:5")).isEqualTo(1);
        assertThat(err.toString()).contains("error: --clip");
    }

    @Test
    void quantSweepDrawsFigure7AndResumesFromTheStore(@TempDir Path dir) throws Exception {
        String[] args = {"quant-sweep", "--model", planted, "--blocks", "1024,4096", "--methods", "rtn,clip+restore",
                "--super-weights", "1:27:121", "--tasks", "lambada_openai", "--limit", "2",
                "--store", dir.resolve("runs.duckdb").toString(), "--out", dir.resolve("out").toString(), "--json"};
        assertThat(run(args)).as(err.toString()).isZero();
        JsonNode first = new ObjectMapper().readTree(out.toString());
        assertThat(first.get("points")).hasSize(4);
        assertThat(first.get("units").asInt()).isEqualTo(4);
        assertThat(first.get("points").get(2).get("series").asText()).isEqualTo("int4 z:9.0+restore");
        assertThat(first.get("points").get(2).get("key").asText()).contains("restore=1.0@[1:27:121]");
        assertThat(dir.resolve("out/quant-sweep-accuracy.svg")).exists();
        assertThat(dir.resolve("out/quant-sweep-accuracy.png")).exists();
        assertThat(dir.resolve("out/quant-sweep-perplexity-lambada_openai.svg")).exists();
        assertThat(dir.resolve("out/quant-sweep.json")).exists();
        Set<Double> distinct = new HashSet<>();
        for (JsonNode p : first.get("points")) distinct.add(p.get("metrics").get("ppl:lambada_openai").asDouble());
        assertThat(distinct).hasSizeGreaterThan(2);
        // 4 conditions x 2 items, each stored once under its own model key; a second run scores nothing and reports the same
        assertThat(storedItems(dir)).isEqualTo(8);
        assertThat(run(args)).as(err.toString()).isZero();
        assertThat(storedItems(dir)).isEqualTo(8);
        JsonNode second = new ObjectMapper().readTree(out.toString());
        for (int i = 0; i < 4; i++) assertThat(second.get("points").get(i).get("metrics")).isEqualTo(first.get("points").get(i).get("metrics"));
    }

    private static long storedItems(Path dir) throws Exception {
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("runs.duckdb").toAbsolutePath());
             var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*), count(DISTINCT model) FROM eval_items")) {
            rs.next();
            assertThat(rs.getLong(2)).isEqualTo(4);
            return rs.getLong(1);
        }
    }
}
