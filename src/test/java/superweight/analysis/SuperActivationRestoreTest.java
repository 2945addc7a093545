package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.engine.DownProjOutputHook;
import superweight.model.Model;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The restore hook fed by hand on the demonstration model (W_down[27, 93] = 4 in layer 1, and row 3 with the
 * weight W_down[3, 5] the model happens to have): the original activation of a row is its zeroed output plus
 * weight x input, written back only at the position with the largest |original| of a sequence.
 */
class SuperActivationRestoreTest {
    private static final int IN = DemoModel.INTERMEDIATE, OUT = DemoModel.HIDDEN;
    private final Model model = DemoModel.build(1);
    private final float w35 = model.layers().get(1).down().get(3, 5);
    private final DownProjOutputHook hook = SuperActivationRestore.interventions(model,
            List.of(SuperWeight.at(1, 27, 93), SuperWeight.at(1, 3, 5))).downProjOutputHook();

    /** n positions whose input channel 93 holds {@code a93} and channel 5 holds {@code a5}; outputs zero. */
    private static float[][] pass(float[] a93, float[] a5) {
        float[] in = new float[a93.length * IN];
        for (int i = 0; i < a93.length; i++) {
            in[i * IN + 93] = a93[i];
            in[i * IN + 5] = a5[i];
        }
        return new float[][] {in, new float[a93.length * OUT]};
    }

    @Test
    void keyNamesEveryRestoredWeightWithItsValue() {
        assertThat(hook.key()).isEqualTo("restore-sa{1:27:93=4.0,1:3:5=" + w35 + "}");
    }

    @Test
    void restoresEachRowOnceAtItsLargestOriginalValueFirstPositionWinningTies() {
        float[][] p = pass(new float[] {1, 3, 3}, new float[] {0, 0, 2});
        hook.apply(1, 0, p[0], p[1], 3, IN, OUT);
        assertThat(p[1][27]).isZero();
        assertThat(p[1][OUT + 27]).isEqualTo(12f);       // 4 x 3 at position 1, not at the tie in position 2
        assertThat(p[1][2 * OUT + 27]).isZero();
        assertThat(p[1][2 * OUT + 3]).isEqualTo(w35 * 2); // the other row has its own history
        float[][] other = pass(new float[] {5}, new float[] {0});
        hook.apply(0, 0, other[0], other[1], 1, IN, OUT); // a layer without super weights is left alone
        assertThat(other[1][27]).isZero();
    }

    @Test
    void aContinuationRestoresOnlyWhatExceedsItsContextAndARecomputedPositionIsForgotten() {
        float[][] context = pass(new float[] {1, 3}, new float[] {0, 0});
        hook.apply(1, 0, context[0], context[1], 2, IN, OUT);
        assertThat(context[1][OUT + 27]).isEqualTo(12f);
        float[][] same = pass(new float[] {-3}, new float[] {0});   // |original| equal to the context's: not again
        hook.apply(1, 2, same[0], same[1], 1, IN, OUT);
        assertThat(same[1][27]).isZero();
        float[][] larger = pass(new float[] {4}, new float[] {0});
        hook.apply(1, 3, larger[0], larger[1], 1, IN, OUT);
        assertThat(larger[1][27]).isEqualTo(16f);
        // recomputing from position 1 drops what was restored at positions 1 and 3: a smaller value is restored now
        float[][] again = pass(new float[] {2}, new float[] {0});
        hook.apply(1, 1, again[0], again[1], 1, IN, OUT);
        assertThat(again[1][27]).isEqualTo(8f);
    }
}
