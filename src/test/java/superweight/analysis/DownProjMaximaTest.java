package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-layer maxima tap fed by hand: positions across calls, first-wins ties, NaN, medians, missing data. */
class DownProjMaximaTest {
    @Test
    void keepsTheLargestMagnitudeAcrossCallsWithTheFirstWinningTies() {
        DownProjMaxima m = DownProjMaxima.withMedians(1);
        // call 1: positions 0-1, 2 channels; |3| at (position 0, channel 1). Call 2 (a KV-cached step): positions 2-3;
        // |-4| at (position 3, channel 0). Call 3: |4| again at position 4, a tie, so position 3 stays.
        m.downProjInput(0, 0, new float[] {1, -3, 2, 0.5f}, 2, 2);
        m.downProjInput(0, 2, new float[] {3, 0, -4, 1}, 2, 2);
        m.downProjInput(0, 4, new float[] {4, 0}, 1, 2);
        // output: the maximum in the first element of the first call, then only smaller ones
        m.downProjOutput(0, 0, new float[] {-9, 1, 2}, 1, 3);
        m.downProjOutput(0, 1, new float[] {8, 1, 2}, 1, 3);
        LayerMaximum l = m.layers("test").getFirst();
        assertThat(l.maxIn()).isEqualTo(-4f);
        assertThat(l.maxInPosition()).isEqualTo(3);
        assertThat(l.maxInChannel()).isEqualTo(0);
        assertThat(l.maxOut()).isEqualTo(-9f);
        assertThat(l.maxOutPosition()).isEqualTo(0);
        assertThat(l.maxOutChannel()).isEqualTo(0);
        // |inputs| sorted: 0 0 0.5 1 1 2 3 3 4 4: lower middle (index 4) = 1; |outputs|: 1 1 2 2 8 9: index 2 = 2
        assertThat(l.medianAbsIn()).isEqualTo(1.0);
        assertThat(l.medianAbsOut()).isEqualTo(2.0);
    }

    @Test
    void withoutMediansTheMediansAreUndefined() {
        DownProjMaxima m = new DownProjMaxima(1);
        m.downProjInput(0, 0, new float[] {2}, 1, 1);
        m.downProjOutput(0, 0, new float[] {3}, 1, 1);
        assertThat(m.layers("x").getFirst().medianAbsIn()).isNaN();
        assertThat(m.layers("x").getFirst().medianAbsOut()).isNaN();
    }

    @Test
    void nanIsNeverHiddenAndAnEmptyRangeHasNoMaximum() {
        assertThat(DownProjMaxima.argMaxAbs(new float[] {1, Float.NaN, 5}, 3)).isEqualTo(1);
        assertThat(DownProjMaxima.argMaxAbs(new float[] {Float.NaN, Float.NaN}, 2)).isZero();
        assertThat(DownProjMaxima.argMaxAbs(new float[] {-2, 2}, 2)).isZero();
        assertThat(DownProjMaxima.argMaxAbs(new float[] {7}, 0)).isEqualTo(-1);
    }

    @Test
    void aLayerWithoutInputOrOutputDataIsNamed() {
        DownProjMaxima noInput = new DownProjMaxima(2);
        for (int l = 0; l < 2; l++) noInput.downProjOutput(l, 0, new float[] {1}, 1, 1);
        noInput.downProjInput(0, 0, new float[] {1}, 1, 1);
        noInput.downProjInput(1, 0, new float[0], 0, 1);   // an empty call is no data
        assertThatThrownBy(() -> noInput.layers("m")).isInstanceOf(SuperweightException.class)
                .hasMessage("m: layer 1 reported no MLP down-projection input (the model has no MLP tap data to detect super weights from)");
        DownProjMaxima noOutput = new DownProjMaxima(1);
        noOutput.downProjInput(0, 0, new float[] {1}, 1, 1);
        assertThatThrownBy(() -> noOutput.layers("m")).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("layer 0 reported no MLP down-projection output");
    }
}
