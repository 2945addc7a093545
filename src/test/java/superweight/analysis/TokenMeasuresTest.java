package superweight.analysis;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Next-token shift and case study on the planted fixture, against sums over its reference logits. */
class TokenMeasuresTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(PLANTED.resolve("model-f32.gguf"));
    static final Model model = LOADED.model();
    static int[] tokens;
    static float[] reference, referenceZeroed;
    static final int VOCAB = 320;
    static final List<SuperWeight> SW = List.of(SuperWeight.at(1, 27, 121));

    @BeforeAll
    static void load() {
        tokens = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
        reference = Fixtures.floats(PLANTED.resolve("logits.f32"));
        referenceZeroed = Fixtures.floats(PLANTED.resolve("logits-zeroed.f32"));
    }

    /** Probabilities of row {@code pos} of a reference logits file, computed here in double. */
    static double[] probs(float[] logits, int pos) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < VOCAB; i++) max = Math.max(max, logits[pos * VOCAB + i]);
        double[] p = new double[VOCAB];
        for (int i = 0; i < VOCAB; i++) sum += p[i] = Math.exp(logits[pos * VOCAB + i] - max);
        for (int i = 0; i < VOCAB; i++) p[i] /= sum;
        return p;
    }

    @Test
    void averageNextTokenDistributionWithAndWithoutTheSuperWeight() {
        int[] shorter = Arrays.copyOf(tokens, 16);
        List<int[]> prompts = List.of(tokens, shorter);
        var steps = new java.util.concurrent.atomic.AtomicInteger();
        var shift = TokenShift.compare(model, prompts, Ablation.plan(new Condition.PruneSuperWeights(), model, SW),
                i -> i == 6 ? "." : "tok" + i, 5, steps::incrementAndGet);
        assertThat(steps.get()).isEqualTo(4);
        double[] b31 = probs(reference, 31), b15 = probs(reference, 15), a31 = probs(referenceZeroed, 31), a15 = probs(referenceZeroed, 15);
        for (int i = 0; i < VOCAB; i++) {
            assertThat(shift.before()[i]).isCloseTo((b31[i] + b15[i]) / 2, within(1e-5));
            assertThat(shift.after()[i]).isCloseTo((a31[i] + a15[i]) / 2, within(1e-5));
        }
        assertThat(shift.stopwordShareBefore()).isCloseTo((b31[6] + b15[6]) / 2, within(1e-5));
        assertThat(shift.stopwordShareAfter()).isCloseTo((a31[6] + a15[6]) / 2, within(1e-5));
        assertThat(shift.topBefore()).hasSize(5);
        for (int i = 1; i < 5; i++) assertThat(shift.topBefore().get(i).before()).isLessThanOrEqualTo(shift.topBefore().get(i - 1).before());
        var up = shift.mostIncreased().getFirst();
        for (int i = 0; i < VOCAB; i++) assertThat(up.after() - up.before()).isGreaterThanOrEqualTo(shift.after()[i] - shift.before()[i] - 1e-12);
        // the most decreased: the five smallest after - before, smallest first
        double[] change = new double[VOCAB];
        for (int i = 0; i < VOCAB; i++) change[i] = shift.after()[i] - shift.before()[i];
        double[] sorted = change.clone();
        Arrays.sort(sorted);
        assertThat(shift.mostDecreased()).hasSize(5);
        for (int i = 0; i < 5; i++) assertThat(change[shift.mostDecreased().get(i).token()]).isEqualTo(sorted[i]);
    }

    @Test
    void topKRanksFromOneWithTiesInTokenOrder() {
        var r = TokenShift.topK(new double[] {0.1, 0.5, 0.2, 0.2}, i -> "t" + i, 3);
        assertThat(r).containsExactly(new TokenShift.Ranked(1, 1, "t1", 0.5), new TokenShift.Ranked(2, 2, "t2", 0.2),
                new TokenShift.Ranked(3, 3, "t3", 0.2));
        assertThat(TokenShift.topK(new double[] {0.3, 0.7}, i -> "t" + i, 5)).extracting(TokenShift.Ranked::token).containsExactly(1, 0);
    }

    @Test
    void caseStudyRanksTheNextTokens() {
        var cs = TokenShift.caseStudy(model, tokens, Ablation.plan(new Condition.PruneSuperWeights(), model, SW), i -> "t" + i, 3);
        double[] b = probs(reference, 31), a = probs(referenceZeroed, 31);
        int best = 0, bestA = 0;
        for (int i = 1; i < VOCAB; i++) {
            if (b[i] > b[best]) best = i;
            if (a[i] > a[bestA]) bestA = i;
        }
        assertThat(cs.before().getFirst().token()).isEqualTo(best);
        assertThat(cs.before().getFirst().probability()).isCloseTo(b[best], within(1e-5));
        assertThat(cs.after().getFirst().token()).isEqualTo(bestA);
        assertThat(cs.after().getFirst().piece()).isEqualTo("t" + bestA);
    }

    @Test
    void stopwordsAreMatchedWithoutTheirSpaceMarker() {
        assertThat(TokenShift.isStopword("\u2581the")).isTrue();
        assertThat(TokenShift.isStopword("\u0120The")).isTrue();
        assertThat(TokenShift.isStopword(",")).isTrue();
        assertThat(TokenShift.isStopword("<0x0A>")).isTrue();
        assertThat(TokenShift.isStopword("\u2581cold")).isFalse();
        assertThat(TokenShift.isStopword("")).isFalse();
        assertThat(TokenShift.isStopword(null)).isFalse();
        assertThat(TokenShift.isStopword("\u010A")).isTrue();     // GPT-2's newline byte
        assertThat(TokenShift.isStopword("\n\n")).isTrue();      // only line breaks
        assertThat(TokenShift.isStopword("\u2581\u2581")).isFalse(); // only spaces
        assertThat(TokenShift.isStopword("\u2581thee")).isFalse();
    }
}
