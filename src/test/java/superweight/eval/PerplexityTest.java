package superweight.eval;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Windowing, token counts and aggregation against a direct computation: one Transformer.logits pass per window. */
class PerplexityTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("qwen2").resolve("model.safetensors"));
    static final Model model = LOADED.model();
    static Transformer t;
    static int[] tokens;

    @BeforeAll
    static void load() {
        t = new Transformer(model);
        SplittableRandom r = new SplittableRandom(42);
        tokens = new int[3 * 16 + 5]; // three windows of 16 and a 5-token tail that must be dropped
        for (int i = 0; i < tokens.length; i++) tokens[i] = 3 + r.nextInt(300);
    }

    /** -log p(window[j+1] | window[..j]) summed over j in [from, ctx-2], from a full pass over the window. */
    static double windowNll(int[] window, int from) {
        float[] logits = t.logits(window);
        int v = model.config().vocabSize();
        double nll = 0;
        for (int j = from; j < window.length - 1; j++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < v; k++) max = Math.max(max, logits[j * v + k]);
            double z = 0;
            for (int k = 0; k < v; k++) z += Math.exp(logits[j * v + k] - max);
            nll -= logits[j * v + window[j + 1]] - max - Math.log(z);
        }
        return nll;
    }

    @Test
    void gptqStyleScoresEveryPositionButTheFirstOfEachWindow() {
        PerplexityResult r = Perplexity.compute(t, Interventions.NONE, tokens, 1, new Perplexity.Options(16, Perplexity.Style.GPTQ, 0), "x", null);
        double sum = 0;
        for (int w = 0; w < 3; w++) sum += windowNll(Arrays.copyOfRange(tokens, w * 16, w * 16 + 16), 0);
        assertThat(r.windows()).isEqualTo(3);
        assertThat(r.tokens()).isEqualTo(3 * 15);
        assertThat(r.nll()).isCloseTo(sum / 45, within(1e-5));
        assertThat(r.ppl()).isCloseTo(Math.exp(sum / 45), within(1e-4));
        assertThat(r.ctx()).isEqualTo(16);
    }

    @Test
    void limitTakesTheFirstWindows() {
        PerplexityResult r = Perplexity.compute(t, Interventions.NONE, tokens, 1, new Perplexity.Options(16, Perplexity.Style.GPTQ, 2), "x", null);
        double sum = windowNll(Arrays.copyOfRange(tokens, 0, 16), 0) + windowNll(Arrays.copyOfRange(tokens, 16, 32), 0);
        assertThat(r.windows()).isEqualTo(2);
        assertThat(r.tokens()).isEqualTo(30);
        assertThat(r.nll()).isCloseTo(sum / 30, within(1e-5));
    }

    @Test
    void llamaCppStyleWritesBosFirstAndScoresTheSecondHalf() {
        PerplexityResult r = Perplexity.compute(t, Interventions.NONE, tokens, 1, new Perplexity.Options(16, Perplexity.Style.LLAMACPP, 0), "x", null);
        double sum = 0;
        for (int w = 0; w < 3; w++) {
            int[] window = Arrays.copyOfRange(tokens, w * 16, w * 16 + 16);
            window[0] = 1;
            sum += windowNll(window, 8); // positions 8..14 predict tokens 9..15
        }
        assertThat(r.tokens()).isEqualTo(3 * 7);
        assertThat(r.nll()).isCloseTo(sum / 21, within(1e-5));
        // bosId -1: the windows are scored as they are, first token not replaced
        PerplexityResult noBos = Perplexity.compute(t, Interventions.NONE, tokens, -1, new Perplexity.Options(16, Perplexity.Style.LLAMACPP, 0), "x", null);
        double plain = 0;
        for (int w = 0; w < 3; w++) plain += windowNll(Arrays.copyOfRange(tokens, w * 16, w * 16 + 16), 8);
        assertThat(noBos.nll()).isCloseTo(plain / 21, within(1e-5));
        assertThat(Math.abs(plain - sum) / 21).as("the fixture makes BOS matter").isGreaterThan(1e-3);
    }

    @Test
    void finishedWindowsComeFromTheRunStoreAndAreNotRecomputed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path text = dir.resolve("t.txt"), store = dir.resolve("runs.duckdb");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) sb.append((char) ('a' + (i * 7) % 26));
        java.nio.file.Files.writeString(text, sb.toString());
        var tok = new ByteTestTokenizer(true);
        var two = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 2, null, store, "base", null);
        PerplexityResult first = Evaluation.perplexity(model, tok, Interventions.NONE, text.toString(), two);
        // Tamper with the stored NLL of window 0: a resumed run must read it instead of recomputing it.
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + store); var s = c.createStatement()) {
            assertThat(s.executeUpdate("UPDATE ppl_windows SET nll = nll + 31 WHERE window_index = 0")).isEqualTo(1);
        }
        var three = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, null, store, "base", null);
        PerplexityResult resumed = Evaluation.perplexity(model, tok, Interventions.NONE, text.toString(), three);
        PerplexityResult fresh = Evaluation.perplexity(model, tok, Interventions.NONE, text.toString(),
                new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, null, null, null, null));
        // the direct computation: the byte tokenizer's ids (BOS first) cut into windows of 32, 31 scored tokens each
        int[] ids = tok.encode(sb.toString(), true, false);
        double w0 = windowNll(Arrays.copyOfRange(ids, 0, 32), 0), w1 = windowNll(Arrays.copyOfRange(ids, 32, 64), 0),
                w2 = windowNll(Arrays.copyOfRange(ids, 64, 96), 0);
        assertThat(first.windows()).isEqualTo(2);
        assertThat(first.nll()).isCloseTo((w0 + w1) / 62, within(1e-5));
        assertThat(fresh.nll()).isCloseTo((w0 + w1 + w2) / 93, within(1e-5));
        assertThat(resumed.windows()).isEqualTo(3);
        assertThat(resumed.tokens()).isEqualTo(93);
        assertThat(resumed.nll()).isCloseTo((w0 + 31 + w1 + w2) / 93, within(1e-5));
        // the windows read from the store are reported like computed ones
        PerplexityResult.Window stored = resumed.perWindow().getFirst(), second = resumed.perWindow().get(1);
        assertThat(stored.index()).isZero();
        assertThat(stored.firstScoredToken()).isEqualTo(1);
        assertThat(stored.scored()).isEqualTo(31);
        assertThat(stored.nllSum()).isCloseTo(w0 + 31, within(1e-4));
        assertThat(second.index()).isEqualTo(1);
        assertThat(second.firstScoredToken()).isEqualTo(33);
        assertThat(second.nllSum()).isCloseTo(w1, within(1e-4));
        // another condition does not see those windows
        PerplexityResult other = Evaluation.perplexity(model, tok, Interventions.NONE, text.toString(),
                new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, null, store, "other", null));
        assertThat(other.nll()).isCloseTo(fresh.nll(), within(1e-6));
    }

    @Test
    void aBosIdOfZeroIsWrittenAndEveryWindowIsReported() {
        List<Integer> reported = new ArrayList<>();
        PerplexityResult r = Perplexity.compute(t, Interventions.NONE, tokens, 0, new Perplexity.Options(16, Perplexity.Style.LLAMACPP, 0), "x",
                reported::add);
        double sum = 0;
        for (int w = 0; w < 3; w++) {
            int[] window = Arrays.copyOfRange(tokens, w * 16, w * 16 + 16);
            window[0] = 0;   // id 0 is a valid BOS (only -1 means none)
            sum += windowNll(window, 8);
        }
        assertThat(r.nll()).isCloseTo(sum / 21, within(1e-5));
        assertThat(reported).containsExactly(1, 2, 3);
    }

    @Test
    void tooFewTokensForOneWindowIsAnError() {
        assertThatThrownBy(() -> Perplexity.compute(t, Interventions.NONE, Arrays.copyOf(tokens, 10), 1,
                new Perplexity.Options(16, Perplexity.Style.GPTQ, 0), "tiny.txt", null))
                .isInstanceOf(SuperweightException.class).hasMessage("tiny.txt: 10 tokens, fewer than one window of 16");
    }

    @Test
    void explicitContextLongerThanDeclaredProceedsWithAWarningAndTheDefaultShrinks() {
        int max = model.config().contextLength();
        var longer = new Evaluation.PerplexityOptions(max + 1, Perplexity.Style.GPTQ, 0, null, null, null, null);
        assertThat(Evaluation.windowLength(model, longer)).isEqualTo(max + 1);
        assertThat(Evaluation.contextWarning(model, max + 1, "--ctx"))
                .startsWith("warning: --ctx " + (max + 1) + " is longer than the context length " + max + " that ");
        assertThat(Evaluation.contextWarning(model, max, "--ctx")).isNull();
        assertThat(Evaluation.windowLength(model, Evaluation.PerplexityOptions.of(Perplexity.Style.GPTQ))).isEqualTo(Math.min(2048, max));
        assertThat(Evaluation.windowLength(model, Evaluation.PerplexityOptions.of(Perplexity.Style.LLAMACPP))).isEqualTo(Math.min(512, max));
    }

    @Test
    void perWindowNllsAddUpAndPointAtTheirTokens() {
        PerplexityResult r = Perplexity.compute(t, Interventions.NONE, tokens, 1, new Perplexity.Options(16, Perplexity.Style.LLAMACPP, 0), "x", null);
        assertThat(r.perWindow()).hasSize(3);
        for (int w = 0; w < 3; w++) {
            int[] window = Arrays.copyOfRange(tokens, w * 16, w * 16 + 16);
            window[0] = 1;
            PerplexityResult.Window pw = r.perWindow().get(w);
            assertThat(pw.index()).isEqualTo(w);
            assertThat(pw.scored()).isEqualTo(7);                      // positions 8..14 predict tokens 9..15
            assertThat(pw.firstScoredToken()).isEqualTo(w * 16 + 9L);
            assertThat(pw.nllSum()).isCloseTo(windowNll(window, 8), within(1e-4));
        }
    }

    @Test
    void c4RunsGptqsSampledWindowsAndSaysC4Like(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // six documents without spaces (byte tokens only): with BOS they are 11, 51, 21, 71, 6 and 41 tokens long
        int[] chars = {10, 50, 20, 70, 5, 40};
        String[] docs = new String[chars.length];
        for (int i = 0; i < chars.length; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < chars[i]; j++) sb.append((char) ('a' + (i * 7 + j) % 26));
            docs[i] = sb.toString();
        }
        java.nio.file.Path parquet = dir.resolve("c4_validation_sample/c4_validation_2k.parquet");
        java.nio.file.Files.createDirectories(parquet.getParent());
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = c.createStatement()) {
            StringBuilder values = new StringBuilder();
            for (int i = 0; i < docs.length; i++) values.append(i == 0 ? "" : ",").append("(").append(i).append(", '").append(docs[i]).append("')");
            st.execute("COPY (SELECT text FROM (VALUES " + values + ") t(i, text) ORDER BY i) TO '" + parquet + "' (FORMAT PARQUET)");
        }
        var tok = new ByteTestTokenizer(true);
        var o = new Evaluation.PerplexityOptions(32, Perplexity.Style.GPTQ, 3, dir, null, null, null);
        PerplexityResult r = Evaluation.perplexity(model, tok, Interventions.NONE, "c4", o);
        // GPTQ's loop under CPython on these lengths (seqlen 32): first windows (doc 3, start 26), (3, 25), (3, 22)
        int[] doc3 = tok.encode(docs[3], true, false);
        int[] expected = new int[3 * 32];
        int[] starts = {26, 25, 22};
        for (int w = 0; w < 3; w++) System.arraycopy(doc3, starts[w], expected, w * 32, 32);
        PerplexityResult direct = Perplexity.compute(t, Interventions.NONE, expected, -1, new Perplexity.Options(32, Perplexity.Style.GPTQ, 0), "x", null);
        assertThat(r.dataset()).isEqualTo("c4-like");
        assertThat(r.rule()).startsWith("GPTQ c4: 256 windows");
        assertThat(r.windows()).isEqualTo(3);
        assertThat(r.nll()).isCloseTo(direct.nll(), within(1e-9));
    }
}
