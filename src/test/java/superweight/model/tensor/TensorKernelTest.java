package superweight.model.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Storage decoders against hand-built blocks, and the matmul kernel against a naive double-precision product. */
class TensorKernelTest {

    private static MemorySegment bytes(ByteBuffer b) {
        return MemorySegment.ofArray(java.util.Arrays.copyOf(b.array(), b.position()));
    }

    private static ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void q8_0DecodesScaleTimesInt8() {
        ByteBuffer b = buf(34);
        b.putShort((short) 0x3800); // f16 0.5
        for (int j = 0; j < 32; j++) b.put((byte) (j - 16));
        Tensor t = new Q8_0Tensor("t", 1, 32, bytes(b));
        float[] row = t.row(0);
        for (int j = 0; j < 32; j++) {
            assertThat(t.get(0, j)).isEqualTo(0.5f * (j - 16));
            assertThat(row[j]).isEqualTo(0.5f * (j - 16));
        }
    }

    @Test
    void q4_0LowNibblesFirstThenHighNibbles() {
        ByteBuffer b = buf(18);
        b.putShort((short) 0x3400); // f16 0.25
        for (int j = 0; j < 16; j++) b.put((byte) ((j & 15) | ((15 - j) << 4)));
        Tensor t = new Q4_0Tensor("t", 1, 32, bytes(b));
        float[] row = t.row(0);
        for (int j = 0; j < 16; j++) {
            assertThat(row[j]).isEqualTo(0.25f * (j - 8));
            assertThat(row[j + 16]).isEqualTo(0.25f * (15 - j - 8));
            assertThat(t.get(0, j + 16)).isEqualTo(row[j + 16]);
        }
    }

    @Test
    void q4_1AddsMinimum() {
        ByteBuffer b = buf(20);
        b.putShort((short) 0x3800); // d = 0.5
        b.putShort((short) 0xBC00); // m = -1
        for (int j = 0; j < 16; j++) b.put((byte) (j | (3 << 4)));
        Tensor t = new Q4_1Tensor("t", 1, 32, bytes(b));
        for (int j = 0; j < 16; j++) {
            assertThat(t.get(0, j)).isEqualTo(0.5f * j - 1f);
            assertThat(t.get(0, j + 16)).isEqualTo(0.5f);
        }
    }

    @Test
    void halfAndBfloat16Widening() {
        ByteBuffer h = buf(4).putShort((short) 0x3C00).putShort((short) 0xC000); // 1.0, -2.0
        assertThat(new F16Tensor("h", 1, 2, bytes(h)).row(0)).containsExactly(1f, -2f);
        ByteBuffer bf = buf(4).putShort((short) 0x3F80).putShort((short) 0x4040); // 1.0, 3.0
        assertThat(new BF16Tensor("b", 1, 2, bytes(bf)).row(0)).containsExactly(1f, 3f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 9, 33, 70})
    void f32MatmulMatchesNaiveOnOddSizes(int n) {
        Random r = new Random(n);
        int rows = 13, cols = 37;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        Tensor t = F32Tensor.of("w", rows, cols, w);
        assertMatmulMatchesScalarReference(t, x, n, 1e-4f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 6})
    void quantizedMatmulMatchesScalarReference(int n) {
        Random r = new Random(7);
        int rows = 7, cols = 64, blocks = rows * cols / 32;
        ByteBuffer b = buf(blocks * 34);
        for (int k = 0; k < blocks; k++) {
            b.putShort(Float.floatToFloat16(0.01f * (k + 1)));
            for (int j = 0; j < 32; j++) b.put((byte) (r.nextInt(255) - 127));
        }
        Tensor t = new Q8_0Tensor("q", rows, cols, bytes(b));
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        assertMatmulMatchesScalarReference(t, x, n, 1e-3f);
    }

    @Test
    void rowViewsAndEditsLeaveTheBaseUntouched() {
        float[] w = new float[4 * 3];
        for (int i = 0; i < w.length; i++) w[i] = i;
        Tensor base = F32Tensor.of("w", 4, 3, w);
        Tensor slice = RowView.slice("s", base, 1, 2);
        assertThat(slice.row(1)).containsExactly(6f, 7f, 8f);
        Tensor gather = RowView.gather("g", base, new long[]{3, 0});
        assertThat(gather.row(0)).containsExactly(9f, 10f, 11f);
        Tensor edited = new EditedTensor(base, Map.of(2L, Map.of(1, -5f)));
        assertThat(edited.row(2)).containsExactly(6f, -5f, 8f);
        assertThat(edited.dot(2, new float[]{1, 1, 1}, 0)).isEqualTo(9f);
        assertThat(base.get(2, 1)).isEqualTo(7f);
    }

    @Test
    void bfloat16RowsOfOddLengthWidenExactly() {
        int cols = 37;
        Random r = new Random(3);
        ByteBuffer b = buf(2 * cols * 2);
        float[] expected = new float[2 * cols];
        for (int i = 0; i < 2 * cols; i++) {
            int bits = r.nextInt(1 << 16);
            if (((bits >> 7) & 0xFF) == 0xFF) bits &= ~(1 << 14); // no NaN/Inf patterns
            b.putShort((short) bits);
            expected[i] = Float.intBitsToFloat(bits << 16);
        }
        Tensor t = new BF16Tensor("b", 2, cols, bytes(b));
        float[] row = new float[cols];
        t.readRow(1, row, 0);
        for (int c = 0; c < cols; c++) assertThat(row[c]).isEqualTo(expected[cols + c]);
    }

    /** matmul against a double-precision product of the scalar reference {@link Tensor#get}. */
    private static void assertMatmulMatchesScalarReference(Tensor t, float[] x, int n, float tolerance) {
        int rows = (int) t.rows(), cols = t.cols();
        float[] out = new float[n * rows];
        t.matmul(x, n, out);
        if (n == 1) {
            float[] decode = new float[rows];
            t.matvec(x, decode);
            for (int i = 0; i < rows; i++) assertThat(decode[i]).isCloseTo(out[i], within(tolerance));
        }
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < rows; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) s += (double) t.get(i, j) * x[p * cols + j];
                assertThat(out[p * rows + i]).isCloseTo((float) s, within(tolerance));
            }
        }
    }
}
