package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.analysis.SuperWeight;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.quant.SuperOutlier;
import superweight.quant.W8A8;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static superweight.cli.AnalysisCommandsTest.IDS;
import static superweight.cli.AnalysisCommandsTest.MODEL;
import static superweight.cli.AnalysisCommandsTest.TOKENS;
import static superweight.cli.AnalysisCommandsTest.VOCAB;
import static superweight.cli.AnalysisCommandsTest.run;

/** quant-table end to end on the planted fixture: the rows, their numbers, the store keys and bad input. */
class QuantTableCommandTest {
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
    void everyRowIsTheSchemeItNames() throws Exception {
        var r = run("quant-table", "--model", MODEL, "--super-weights", "1:27:121", "--ppl-tokens", IDS, "--window", String.valueOf(TOKENS.length),
                "--calibration-windows", "2", "--calibration-length", "16", "--json", "--out", tmp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = r.json().get("rows");
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).get("metrics").get("ppl:tokens").asDouble())
                .isCloseTo(AnalysisCommandsTest.referencePerplexity("logits.f32"), within(1e-3));
        Model m = ModelLoader.load(Path.of(MODEL));
        try {
            List<SuperWeight> sw = List.of(SuperWeight.at(1, 27, 121));
            W8A8.Prepared naive = W8A8.prepare(m, W8A8.Options.naive(), sw, List.of());
            W8A8.Prepared ours = W8A8.prepare(m, W8A8.Options.naive().withReplaceRestore(SuperOutlier.Scope.ALL), sw, List.of());
            double naivePpl = perplexity(new Transformer(naive.model()).logits(TOKENS, superweight.engine.Taps.NONE, naive.interventions()));
            double ourPpl = perplexity(new Transformer(ours.model()).logits(TOKENS, superweight.engine.Taps.NONE, ours.interventions()));
            assertThat(rows.get(1).get("metrics").get("ppl:tokens").asDouble()).isCloseTo(naivePpl, within(1e-6 * naivePpl));
            assertThat(rows.get(2).get("metrics").get("ppl:tokens").asDouble()).isCloseTo(ourPpl, within(1e-6 * ourPpl));
            assertThat(naivePpl).isNotCloseTo(ourPpl, within(1e-3 * ourPpl));
        } finally {
            m.checkpoint().close();
        }
        assertThat(rows.get(2).get("scheme").asText()).contains("sa=replace-median-restore[1:down:121,2:q:27");
        assertThat(rows.get(3).get("weights").asText()).startsWith("smoothquant{alpha=0.5,").contains(" then weights-int8{");
        assertThat(r.json().get("calibration").asText()).isEqualTo("2 windows of up to 16 tokens from wikitext2-valid");
        assertThat(tmp.resolve("quant-table.json")).exists();
    }

    @Test
    void differentSchemesNeverShareStoredWindows() throws Exception {
        String store = tmp.resolve("runs.duckdb").toString();
        var perTensor = run("quant-table", "--model", MODEL, "--super-weights", "1:27:121", "--rows", "w8a8", "--ppl", "wikitext2",
                "--ppl-limit", "1", "--ctx", "64", "--store", store, "--json", "--out", tmp.resolve("a").toString());
        var perToken = run("quant-table", "--model", MODEL, "--super-weights", "1:27:121", "--rows", "w8a8", "--ppl", "wikitext2",
                "--ppl-limit", "1", "--ctx", "64", "--per-token", "--store", store, "--json", "--out", tmp.resolve("b").toString());
        var again = run("quant-table", "--model", MODEL, "--super-weights", "1:27:121", "--rows", "w8a8", "--ppl", "wikitext2",
                "--ppl-limit", "1", "--ctx", "64", "--store", store, "--json", "--out", tmp.resolve("c").toString());
        assertThat(perTensor.code()).as(perTensor.err()).isZero();
        assertThat(perToken.code()).as(perToken.err()).isZero();
        double a = perTensor.json().get("rows").get(0).get("metrics").get("ppl:wikitext2").asDouble();
        double b = perToken.json().get("rows").get(0).get("metrics").get("ppl:wikitext2").asDouble();
        double c = again.json().get("rows").get(0).get("metrics").get("ppl:wikitext2").asDouble();
        assertThat(b).isNotEqualTo(a);   // had the keys collided, the second run would have read the first's window
        assertThat(c).isEqualTo(a);
    }

    @Test
    void badOptionsAreOneLineErrors() {
        var rows = run("quant-table", "--model", MODEL, "--rows", "w4a4", "--ppl-tokens", IDS);
        assertThat(rows.code()).isEqualTo(1);
        assertThat(rows.err().strip()).isEqualTo("error: --rows w4a4: expected one of original, w8a8, w8a8+sa, smoothquant");
        var both = run("quant-table", "--model", MODEL, "--static", "--per-token", "--ppl-tokens", IDS);
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err().strip()).isEqualTo("error: --static and --per-token: static scales are per tensor");
    }
}
