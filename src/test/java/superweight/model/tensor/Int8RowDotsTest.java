package superweight.model.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Int8Kernels#rowDots} for several positions at once, into a strided output: the forward pass calls it with
 * one position for the 32-value block types (several go through {@link Int8Gemm}), so only a direct call checks
 * that position p reads its own activations and scales and lands in its own slot. Expected values: the scalar
 * transcription of llama.cpp's generic C dot products in {@link Int8KernelsTest}.
 */
class Int8RowDotsTest {
    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void everyPositionIsScoredIntoItsOwnSlot(String type) {
        Random r = new Random(31 + type.hashCode());
        int rows = 6, blocks = 3, cols = blocks * Int8KernelsTest.block(type), n = 4, outAt = 2, stride = 7;
        StoredTensor t = Int8KernelsTest.randomTensor(type, rows, cols, r);
        Q8Activations a = Q8Activations.quantize(Int8Kernels.activationFormat(t), Int8KernelsTest.activations(n, cols, r), n, cols);
        byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
        for (int row : new int[]{0, 4}) {
            float[] out = new float[outAt + n * stride];
            Arrays.fill(out, Float.NaN);
            Int8Kernels.rowDots(t, row, a, out, outAt, stride);
            for (int i = 0; i < out.length; i++) {
                int p = (i - outAt) / stride;
                if (i >= outAt && (i - outAt) % stride == 0) {
                    assertThat(out[i]).as("%s row %d position %d", type, row, p).isEqualTo(Int8KernelsTest.reference(type, bytes, row, blocks, a, p));
                } else {
                    assertThat(out[i]).as("%s slot %d is not an output", type, i).isNaN();
                }
            }
        }
    }
}
