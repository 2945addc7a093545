package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.analysis.SuperWeight;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.quant.SuperOutlier;
import superweight.quant.W8A8;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static superweight.cli.AnalysisCommandsTest.IDS;
import static superweight.cli.AnalysisCommandsTest.MODEL;
import static superweight.cli.AnalysisCommandsTest.TOKENS;
import static superweight.cli.AnalysisCommandsTest.perplexity;
import static superweight.cli.AnalysisCommandsTest.run;

/** quant-table end to end on the planted fixture: the rows, their numbers, the store keys and bad input. */
class QuantTableCommandTest {
    @TempDir
    Path tmp;

    @Test
    void everyRowIsTheSchemeItNames() throws Exception {
        var r = run("quant-table", "--model", MODEL, "--super-weights", "1:27:121", "--no-store", "--ppl-tokens", IDS, "--window", String.valueOf(TOKENS.length),
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

    /**
     * --tasks wikitext reports lm-eval's word perplexity per row as word_ppl:wikitext. Recomputed here from what
     * the run store holds (each page's total log-likelihood) and word counts taken from the raw file by this test:
     * pages cut at the top-level " = Title = " lines, words = len(re.split(r"\s+", page)) as lm-eval counts them.
     */
    @Test
    void wikitextWordPerplexityIsTheStoredLogLikelihoodsOverTheWordsOfThePages() throws Exception {
        Path store = tmp.resolve("runs.duckdb");
        var r = run("quant-table", "--model", MODEL, "--super-weights", "1:27:121", "--rows", "original,w8a8", "--tasks", "wikitext",
                "--limit", "2", "--data-dir", Fixtures.shared().resolve("data").toString(), "--store", store.toString(),
                "--calibration-windows", "2", "--calibration-length", "16", "--json", "--out", tmp.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<Integer> words = firstPagesWords(Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw"), 2);
        assertThat(words.get(0)).as("the Robert Boulter page").isGreaterThan(1000);
        JsonNode rows = r.json().get("rows");
        double[] wordPpl = new double[2];
        for (int i = 0; i < 2; i++) {
            List<Double> ll = storedLogLikelihoods(store, "quant-table:" + rows.get(i).get("row").asText());
            assertThat(ll).hasSize(2);
            double expected = Math.exp(-(ll.get(0) + ll.get(1)) / (words.get(0) + words.get(1)));
            wordPpl[i] = rows.get(i).get("metrics").get("word_ppl:wikitext").asDouble();
            assertThat(wordPpl[i]).isCloseTo(expected, within(1e-9 * expected));
        }
        assertThat(wordPpl[1]).as("naive W8A8 changes the number").isNotCloseTo(wordPpl[0], within(1e-6 * wordPpl[0]));
    }

    /** Words of the first {@code n} pages of a raw WikiText file, pages cut at lines " = Title = " (one '=' each side). */
    private static List<Integer> firstPagesWords(Path raw, int n) throws Exception {
        String[] lines = Files.readString(raw).split("\n", -1);
        Pattern heading = Pattern.compile("^ = [^=].* = $"), space = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < lines.length && starts.size() <= n; i++) if (heading.matcher(lines[i]).matches()) starts.add(i);
        List<Integer> words = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            String page = String.join("\n", Arrays.asList(lines).subList(starts.get(k), starts.get(k + 1)));
            words.add(space.split(page, -1).length);
        }
        return words;
    }

    /** The first element of each stored wikitext item's scores: the page's total log-likelihood, by item. */
    private static List<Double> storedLogLikelihoods(Path store, String condition) throws Exception {
        List<Double> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + store.toAbsolutePath());
             PreparedStatement ps = c.prepareStatement("SELECT scores FROM eval_items WHERE task = 'wikitext' AND condition = ? ORDER BY item")) {
            ps.setString(1, condition);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new ObjectMapper().readTree(rs.getString(1)).get(0).get(0).asDouble());
            }
        }
        return out;
    }

    @Test
    void badOptionsAreOneLineErrors() {
        var rows = run("quant-table", "--model", MODEL, "--rows", "w4a4", "--no-store", "--ppl-tokens", IDS);
        assertThat(rows.code()).isEqualTo(1);
        assertThat(rows.err().strip()).isEqualTo("error: --rows w4a4: expected one of original, w8a8, w8a8+sa, smoothquant");
        var both = run("quant-table", "--model", MODEL, "--static", "--per-token", "--no-store", "--ppl-tokens", IDS);
        assertThat(both.code()).isEqualTo(1);
        assertThat(both.err().strip()).isEqualTo("error: --static and --per-token: static scales are per tensor");
    }
}
