package superweight.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MetricsTest {
    static List<ChoiceScore> lls(double... v) {
        return java.util.Arrays.stream(v).mapToObj(x -> new ChoiceScore(x, false, 1)).toList();
    }

    @Test
    void accPicksTheLargestLogLikelihoodAndAccNormDividesByCharacters() {
        // raw: -10 > -12 -> choice 0; per character: -10/1 = -10 < -12/18 = -0.67 -> choice 1
        List<ChoiceScore> s = lls(-10, -12);
        List<String> choices = List.of("a", "much longer answer");
        assertThat(Metrics.acc(s, 0)).isEqualTo(1);
        assertThat(Metrics.acc(s, 1)).isZero();
        assertThat(Metrics.accNorm(s, choices, 1)).isEqualTo(1);
        assertThat(Metrics.accNorm(s, choices, 0)).isZero();
    }

    @Test
    void accNormCountsCodePointsLikePythonLen() {
        // "é😀" has 2 code points (Python len) but 3 UTF-16 units: -4/2 = -2 loses to -5.5/3 = -1.83;
        // counting UTF-16 units (-4/3 = -1.33) would pick choice 0 instead.
        List<ChoiceScore> s = lls(-4, -5.5);
        assertThat(Metrics.accNorm(s, List.of("é😀", "abc"), 1)).isEqualTo(1);
    }

    @Test
    void tiesGoToTheFirstChoiceAsNumpyArgmax() {
        assertThat(Metrics.acc(lls(-3, -3, -5), 0)).isEqualTo(1);
    }

    @Test
    void stderrIsTheSampleStandardDeviationOverRootN() {
        // values 1,0,1,1: mean 0.75, sample variance (3 * 0.0625 + 0.5625) / 3 = 0.25, stderr 0.5 / 2
        double[] x = {1, 0, 1, 1};
        assertThat(Metrics.mean(x)).isEqualTo(0.75);
        assertThat(Metrics.meanStderr(x)).isCloseTo(0.25, within(1e-12));
        assertThat(Metrics.meanStderr(new double[]{1})).isNaN();
    }

    @Test
    void perplexityIsExpOfMinusTheMeanItemLogLikelihood() {
        assertThat(Metrics.perplexity(new double[]{-1, -3})).isCloseTo(Math.exp(2), within(1e-12));
        // A resample of {-1, -3} (two draws with replacement) has mean -1, -2 or -3 with probabilities 1/4, 1/2, 1/4,
        // so exp(-mean) is e, e^2 or e^3: the bootstrap stderr estimates that distribution's standard deviation,
        // sqrt(E[X^2] - E[X]^2) = 6.46. 20 000 resamples estimate it within about 0.6 % (one standard error), so
        // a 3 % bound holds through the resampling noise and fails for a halved spread or one of exp(+mean).
        double e1 = Math.E, e2 = Math.exp(2), e3 = Math.exp(3);
        double mean = (e1 + 2 * e2 + e3) / 4, meanSquare = (e1 * e1 + 2 * e2 * e2 + e3 * e3) / 4;
        double exact = Math.sqrt(meanSquare - mean * mean);
        assertThat(exact).isCloseTo(6.46, within(0.01));
        assertThat(Metrics.perplexityStderr(new double[]{-1, -3}, 20_000, 7)).isCloseTo(exact, within(0.03 * exact));
        assertThat(Metrics.perplexityStderr(new double[]{-1}, 1000, 7)).isNaN();
        assertThat(Metrics.perplexityStderr(new double[]{-2, -2, -2}, 1000, 7)).isCloseTo(0, within(1e-9));
    }

    @Test
    void taskAggregationFromKnownScores() {
        TaskSpec spec = Tasks.get("piqa");
        // item 0: gold 0, raw picks 0, normalized picks 1 ; item 1: gold 1, both pick 1
        List<TaskItem> items = List.of(
                new TaskItem("piqa", 0, List.of(new Request("q", " a"), new Request("q", " bbbbbbbbbb")), List.of("a", "bbbbbbbbbb"), 0),
                new TaskItem("piqa", 1, List.of(new Request("q", " a"), new Request("q", " b")), List.of("a", "b"), 1));
        TaskResult r = TaskResult.aggregate(spec, items, List.of(lls(-2, -3), lls(-5, -1)), 1838);
        assertThat(r.metric("acc")).isEqualTo(1.0);
        assertThat(r.metric("acc_norm")).isEqualTo(0.5);
        assertThat(r.metrics().get("acc_stderr,none")).isZero();
        assertThat(r.metrics().get("acc_norm_stderr,none")).isCloseTo(0.5, within(1e-12)); // sd sqrt(0.5) / sqrt(2)
        assertThat(r.samples()).isEqualTo(2);
        assertThat(r.originalSamples()).isEqualTo(1838);
    }

    @Test
    void lambadaAccuracyNeedsEveryTargetTokenGreedy() {
        TaskSpec spec = Tasks.get("lambada_openai");
        List<TaskItem> items = List.of(new TaskItem("lambada_openai", 0, List.of(new Request("a", " b")), List.of(), -1),
                new TaskItem("lambada_openai", 1, List.of(new Request("a", " c")), List.of(), -1));
        TaskResult r = TaskResult.aggregate(spec, items,
                List.of(List.of(new ChoiceScore(-1, true, 2)), List.of(new ChoiceScore(-3, false, 1))), 2);
        assertThat(r.metric("acc")).isEqualTo(0.5);
        assertThat(r.metric("perplexity")).isCloseTo(Math.exp(2), within(1e-12));
    }

    @Test
    void wikitextMetricsWeightTheSummedLogLikelihoodByOriginalWordsAndBytes() {
        TaskSpec spec = Tasks.get("wikitext");
        // "a b c": 3 words, 5 bytes; "dé f": 2 words, 5 bytes (é is 2 bytes). Sum of ll = -10.
        List<TaskItem> items = List.of(spec.item(0, Documents.JSON.createObjectNode().put("page", "a b c")),
                spec.item(1, Documents.JSON.createObjectNode().put("page", "dé f")));
        TaskResult r = TaskResult.aggregate(spec, items,
                List.of(List.of(new ChoiceScore(-6, false, 4)), List.of(new ChoiceScore(-4, false, 3))), 62);
        assertThat(r.metric("word_perplexity")).isCloseTo(Math.exp(10.0 / 5), within(1e-12));
        assertThat(r.metric("byte_perplexity")).isCloseTo(Math.exp(10.0 / 10), within(1e-12));
        assertThat(r.metric("bits_per_byte")).isCloseTo(1 / Math.log(2), within(1e-12));
        assertThat(r.metrics().get("word_perplexity_stderr,none")).isNaN();
        assertThat(r.higherIsBetter()).containsEntry("bits_per_byte", false);
    }

    @Test
    void wikitextItemIsOneRollingRequestOverTheDetokenizedPage() {
        TaskItem it = Tasks.get("wikitext").item(3, Documents.JSON.createObjectNode().put("page", " = T = \n \n x , y . \n "));
        assertThat(it.requests()).containsExactly(new Request("", " = T =\n\nx, y.\n", true));
        assertThat(it.choices()).containsExactly(" = T = \n \n x , y . \n ");   // counts come from the original page
    }
}
