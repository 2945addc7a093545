package superweight.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Log-softmax, softmax and argmax over a slice of a logits array, against values worked out by hand. */
class LogProbsTest {
    // Row {ln 1, ln 2, ln 5} at offset 2: softmax = {1/8, 2/8, 5/8}; a huge common shift must not change it.
    private static final float[] ROWS = {9f, -9f, 0f, (float) Math.log(2), (float) Math.log(5), 7f};

    @Test
    void logProbIsTheLogOfTheSoftmaxOfTheSliceOnly() {
        double ln2 = (float) Math.log(2), ln5 = (float) Math.log(5);   // the float values the row holds
        double z = Math.log(1 + Math.exp(ln2) + Math.exp(ln5));
        assertThat(LogProbs.logProb(ROWS, 2, 3, 0)).isCloseTo(-z, within(1e-12));
        assertThat(LogProbs.logProb(ROWS, 2, 3, 2)).isCloseTo(ln5 - z, within(1e-12));
        assertThat(LogProbs.logProb(ROWS, 2, 3, 2)).isCloseTo(Math.log(5.0 / 8), within(1e-7));
        float[] shifted = {1000f, 1000f + (float) Math.log(3)};   // exp(1000) overflows unless the max is subtracted
        assertThat(LogProbs.logProb(shifted, 0, 2, 1)).isCloseTo(Math.log(0.75), within(1e-4));
    }

    @Test
    void softmaxOfTheSlice() {
        double[] p = LogProbs.softmax(ROWS, 2, 3);
        assertThat(p).hasSize(3);
        assertThat(p[0]).isCloseTo(1.0 / 8, within(1e-7));
        assertThat(p[1]).isCloseTo(2.0 / 8, within(1e-7));
        assertThat(p[2]).isCloseTo(5.0 / 8, within(1e-7));
        double[] big = LogProbs.softmax(new float[]{1000f, 1000f}, 0, 2);
        assertThat(big).containsExactly(0.5, 0.5);
    }

    @Test
    void argmaxIsRelativeToTheOffsetAndTakesTheFirstOfTies() {
        assertThat(LogProbs.argmax(ROWS, 2, 3)).isEqualTo(2);
        assertThat(LogProbs.argmax(ROWS, 1, 5)).isEqualTo(4);   // 7 at index 5 = offset 1 + 4
        assertThat(LogProbs.argmax(new float[]{3f, 1f, 3f, 3f}, 0, 4)).isZero();
        assertThat(LogProbs.argmax(new float[]{1f, 3f, 2f, 3f}, 0, 4)).isEqualTo(1);
        assertThat(LogProbs.argmax(new float[]{-5f, -4f, -4f}, 0, 3)).isEqualTo(1);
    }
}
