package superweight.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The first non-finite value is reported by position and channel (or token), counted from the call's first position. */
class NumericsCheckTest {
    @AfterEach
    void off() {
        NumericsCheck.perLayer(false);
    }

    @Test
    void activationsNameLayerOperationPositionAndChannel() {
        // rows of width 3 from position 10: index 5 is position 11, channel 2 (the later NaN is not the first)
        float[] x = {0, 1, 2, 3, 4, Float.POSITIVE_INFINITY, 6, Float.NaN, 8};
        assertThatThrownBy(() -> NumericsCheck.activations(x, 3, 3, 4, "MLP output (down_proj)", 10)).isInstanceOf(NumericalFault.class)
                .hasMessage("layer 4 MLP output (down_proj): Infinity at position 11, channel 2 (the first non-finite value of this forward pass)");
        assertThatThrownBy(() -> NumericsCheck.activations(new float[]{Float.NaN}, 1, 1, -1, "embedding", 0))
                .hasMessage("embedding: NaN at position 0, channel 0 (the first non-finite value of this forward pass)");
        // only the first n rows are scanned; finite values pass
        assertThatCode(() -> NumericsCheck.activations(x, 1, 3, 0, "x", 0)).doesNotThrowAnyException();
        assertThatCode(() -> NumericsCheck.activations(new float[]{-Float.MAX_VALUE, Float.MAX_VALUE}, 1, 2, 0, "x", 0)).doesNotThrowAnyException();
    }

    @Test
    void logitsNameTheTokenAndSayWhetherLayersWereChecked() {
        float[] l = {0, 0, 0, 0, 0, Float.NEGATIVE_INFINITY};
        assertThatThrownBy(() -> NumericsCheck.logits(l, 2, 3, 7)).isInstanceOf(NumericalFault.class)
                .hasMessage("logits: -Infinity at position 8, token 2; run with --check-numerics to find the first layer and operation where it appeared");
        NumericsCheck.perLayer(true);
        assertThatThrownBy(() -> NumericsCheck.logits(l, 2, 3, 0))
                .hasMessage("logits: -Infinity at position 1, token 2 (every layer was finite: the final norm or the output head produced it)");
        assertThatCode(() -> NumericsCheck.logits(l, 1, 3, 0)).doesNotThrowAnyException();
    }
}
