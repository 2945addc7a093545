package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.E5;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.analysis.SuperWeight;
import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.W8A8;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * ablate, quant-sweep, quant-table and characterize on a real encoder (e5-small-v2), token-shift refused. Metric values
 * are recomputed here from the texts, the engine's Embedder and the quantizers, not read from the commands' code.
 */
class EncoderCommandsTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(E5.onnx());
    static final Model e5 = LOADED.model();
    static Tokenizer tokenizer;
    static List<int[]> texts;
    static final List<SuperWeight> SW = List.of(SuperWeight.at(0, 99, 856));

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        tokenizer = Tokenizers.load(E5.onnx());
        texts = new ArrayList<>();
        int found = 0;
        for (JsonNode item : new ObjectMapper().readTree(Fixtures.shared().resolve("data/sciq/valid.json").toFile())) {
            if (item.path("support").asText("").isBlank()) continue;
            texts.add(Embedder.truncate(tokenizer.encode("query: " + item.get("question").asText(), true, false), 512));
            texts.add(Embedder.truncate(tokenizer.encode("passage: " + item.get("support").asText(), true, false), 512));
            if (++found == 2) break;
        }
    }

    static String[] args(String command, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(command, "--model", E5.onnx().toString(), "--pairs", "2", "--query-prefix", "query: ",
                "--passage-prefix", "passage: ", "--no-store", "--json", "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static JsonNode json(CommandLineTest.Result r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    /** Mean cosine between the original embeddings and those of {@code m} under {@code iv}. */
    static double meanCosine(Model m, Interventions iv) {
        return meanCosine(texts, m, iv);
    }

    static double meanCosine(List<int[]> of, Model m, Interventions iv) {
        List<float[]> base = new Embedder(e5, Pooling.MEAN).embed(of, 1, Interventions.NONE);
        List<float[]> e = new Embedder(m, Pooling.MEAN).embed(of, 1, iv);
        double sum = 0;
        for (int i = 0; i < of.size(); i++) {
            for (int j = 0; j < 384; j++) sum += (double) base.get(i)[j] * e.get(i)[j];
        }
        return sum / of.size();
    }

    @Test
    void ablateMeasuresAnEncoderByEmbeddingAgreement() throws Exception {
        JsonNode j = json(CommandLineTest.run(args("ablate", tmp, "--super-weights", "0:99:856", "--condition", "original,prune-sw")));
        JsonNode rows = j.get("conditions");
        assertThat(rows.get(0).get("metrics").get("mean_cosine").asDouble()).isCloseTo(1, within(1e-6));
        double pruned = meanCosine(e5, Interventions.of(List.of(WeightEdit.zero(0, Linear.DOWN, 99, 856))));
        assertThat(pruned).isLessThan(1 - 1e-6);
        assertThat(rows.get(1).get("metrics").get("mean_cosine").asDouble()).isCloseTo(pruned, within(1e-9));
        assertThat(rows.get(1).get("metrics").has("spearman")).isTrue();

        CommandLineTest.Result ppl = CommandLineTest.run(args("ablate", tmp, "--super-weights", "0:99:856", "--ppl", "wikitext2"));
        assertThat(ppl.code()).isEqualTo(1);
        assertThat(ppl.err().strip()).startsWith("error: ").contains("no next-token probabilities").doesNotContain("\n");
    }

    @Test
    void quantSweepOnAnEncoderIsMeasuredByEmbeddingAgreement() throws Exception {
        JsonNode j = json(CommandLineTest.run(args("quant-sweep", tmp, "--blocks", "128,4096", "--methods", "clip+restore",
                "--clip", "z:3", "--weights", "int3", "--super-weights", "0:99:856")));
        JsonNode points = j.get("points");
        assertThat(points).hasSize(2);
        WeightScheme restored = new WeightScheme("int3", BlockSize.parse("4096"), RaggedBlocks.WHOLE, ClipRule.zScore(3), 1f, false);
        double expected = meanCosine(WeightQuantizer.apply(e5, restored, List.of(new SuperWeight(0, 99, 856,
                e5.layers().get(0).down().get(99, 856)))).model(), Interventions.NONE);
        assertThat(points.get(1).get("condition").asText()).isEqualTo(restored.label());
        assertThat(points.get(1).get("metrics").get("mean_cosine").asDouble()).isCloseTo(expected, within(1e-9)).isLessThan(0.9999);
        assertThat(j.get("files").toString()).contains("quant-sweep-mean-cosine.svg", "quant-sweep-spearman.png");
    }

    @Test
    void quantTableOnAnEncoderRunsTheCalibratedSchemes() throws Exception {
        JsonNode j = json(CommandLineTest.run(args("quant-table", tmp, "--super-weights", "0:99:856", "--static",
                "--rows", "original,w8a8,smoothquant", "--calibration-windows", "2", "--calibration-length", "32")));
        JsonNode rows = j.get("rows");
        assertThat(j.get("calibration").asText()).isEqualTo("2 windows of up to 32 tokens from wikitext2-valid");
        CalibrationOptions o = new CalibrationOptions();
        o.calibration = CalibrationOptions.WIKITEXT2_VALID;
        o.windows = 2;
        o.length = 32;
        W8A8.Prepared w8a8 = W8A8.prepare(e5, W8A8.Options.naive().withStaticScales(), SW, o.windows(tokenizer, null, 512, true));
        assertThat(rows.get(1).get("metrics").get("mean_cosine").asDouble())
                .isCloseTo(meanCosine(w8a8.model(), w8a8.interventions()), within(1e-9)).isLessThan(1 - 1e-6);
        assertThat(rows.get(1).get("scheme").asText()).contains(",static:");
        assertThat(rows.get(2).get("notes").toString()).contains("q/k/v inputs: explicit scale op");
        assertThat(rows.get(2).get("metrics").get("mean_cosine").asDouble()).isLessThan(1 - 1e-6).isGreaterThan(0.5);
    }

    @Test
    void calibrationWindowsOfAnEncoderAreClsTextSep() {
        CalibrationOptions o = new CalibrationOptions();
        o.calibration = CalibrationOptions.WIKITEXT2_VALID;
        o.windows = 3;
        o.length = 16;
        List<int[]> enc = o.windows(tokenizer, null, 512, true);
        assertThat(enc).hasSize(3).allSatisfy(w -> {
            assertThat(w).hasSize(16);
            assertThat(w[0]).isEqualTo(101);
            assertThat(w[15]).isEqualTo(102);
            for (int i = 1; i < 15; i++) assertThat(w[i]).isNotIn(101, 102);
        });
        assertThat(o.windows(tokenizer, null, 512, false).getFirst()[15]).isNotEqualTo(102);
    }

    @Test
    void characterizeFollowsTheSuperActivationsOfAnEncoder() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("characterize", "--model", E5.onnx().toString(), "--super-weights", "0:99:856,3:99:256",
                "--json", "--out", tmp.toString());
        JsonNode j = json(r);
        int prompts = 0;
        for (JsonNode o : j.get("observations")) {
            // docs/encoders.md: layers 0-2 write channel 99 at [CLS], layers 3-6 at the final [SEP]
            if (o.get("layer").asInt() == 0) assertThat(o.get("position").asInt()).isZero();
            if (o.get("layer").asInt() == 3) {
                assertThat(o.get("text").asText()).isEqualTo("[SEP]");
                prompts++;
            }
            assertThat(o.get("channel").asInt()).isEqualTo(99);
            assertThat(o.get("layer_maximum").asBoolean()).isTrue();
        }
        assertThat(prompts).isEqualTo(10);
        assertThat(tmp.resolve("activation-heatmap.svg")).exists();
    }

    @Test
    void theReportOfAnEncoderShowsDetectionCatalogAblationAndQuantizationByEmbeddingAgreement() throws Exception {
        CommandLineTest.Result r = CommandLineTest.run("report", "--model", E5.onnx().toString(), "--pairs", "2", "--query-prefix", "query: ",
                "--passage-prefix", "passage: ", "--blocks", "4096", "--out", tmp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(tmp.resolve("results.json").toFile());
        // docs/encoders.md: the relative rule finds one super weight writing channel 99 in each of layers 0-6
        JsonNode found = j.get("detection").get("super_weights");
        assertThat(found).hasSize(7);
        for (JsonNode w : found) assertThat(w.get("row").asInt()).isEqualTo(99);
        assertThat(j.has("catalog")).isTrue();
        JsonNode ablation = j.get("ablation");
        assertThat(ablation).extracting(a -> a.get("condition").asText())
                .containsExactly("original", "prune-sw", "prune-sw-restore-sa", "prune-non-sw:7000");
        List<WeightEdit> zeroed = new ArrayList<>();
        for (JsonNode w : found) zeroed.add(WeightEdit.zero(w.get("layer").asInt(), Linear.DOWN, 99, w.get("col").asInt()));
        assertThat(ablation.get(1).get("metrics").get("mean_cosine").asDouble())
                .isCloseTo(meanCosine(e5, Interventions.of(zeroed)), within(1e-9));
        assertThat(j.get("quantization")).hasSize(3);
        String html = java.nio.file.Files.readString(tmp.resolve("report.html"));
        assertThat(html).contains("by embedding agreement", "prune-sw-restore-sa", "int4");
        assertThat(tmp.resolve("quant-block-size.svg")).exists();
        assertThat(tmp.resolve("layer-maxima-output.png")).exists();
    }

    @Test
    void tokenShiftRefusesAnEncoderAndSaysWhy() {
        CommandLineTest.Result r = CommandLineTest.run("token-shift", "--model", E5.onnx().toString(), "--super-weights", "0:99:856");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: ").contains("next-token distribution", "encoder").doesNotContain("\n");
    }
}
