package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The activation quantizer's edges, as llama.cpp's reference quantizers have them: a row that does not fill whole
 * blocks is refused, and an all-zero Q8_K block keeps d = +0 and zero sums ({@code quantize_row_q8_K_ref} stores
 * {@code y[i].d = 0} and skips the block), not the -0 that 1 / (-127 / 0) would give.
 */
class Q8ActivationsContractTest {
    @Test
    void rowsMustFillWholeBlocks() {
        assertThatThrownBy(() -> Q8Activations.quantize(Q8Activations.Format.Q8_0, new float[48], 1, 48))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("48 columns are not a multiple of the Q8_0 block of 32");
        assertThatThrownBy(() -> Q8Activations.quantize(Q8Activations.Format.Q8_K, new float[288], 1, 288))
                .hasMessage("288 columns are not a multiple of the Q8_K block of 256");
        for (Q8Activations.Format f : Q8Activations.Format.values()) {
            assertThat(Q8Activations.quantize(f, new float[512], 2, 256).format()).isEqualTo(f);
        }
    }

    @Test
    void anAllZeroKBlockHasPositiveZeroScaleAndZeroSums() {
        // block 0 all zero, block 1 with one value: -2 is the signed maximum, so iscale = -127 / -2 = 63.5 and q = rint(63.5 * -2) = -127 there
        float[] x = new float[512];
        x[256 + 3] = -2f;
        Q8Activations a = Q8Activations.quantize(Q8Activations.Format.Q8_K, x, 1, 512);
        assertThat(Float.floatToRawIntBits(a.scale(0, 0))).isZero();
        for (int g = 0; g < 16; g++) assertThat(a.bsums[g]).isZero();
        assertThat(a.q(0, 259)).isEqualTo(-127);
        assertThat(a.bsums[16]).isEqualTo(-127);
        assertThat(a.scale(0, 256)).isEqualTo(1f / (-127f / -2f));
    }
}
