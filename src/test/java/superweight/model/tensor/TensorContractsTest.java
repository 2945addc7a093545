package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Contracts callers rely on: matmul and matvec assign their outputs (callers reuse buffers, so stale or NaN
 * contents must not leak in, through full panels or the partial last one), and the packed-codes tensor refuses
 * inconsistent parts at construction.
 */
class TensorContractsTest {
    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void productsOverwriteWhatTheOutputHeld() {
        Random r = new Random(9);
        int m = 37, k = 300, n = 13;   // a partial last panel at every width, two k blocks, 6-position tiles and single positions
        Tensor w = F32Tensor.of("w", m, k, gaussian(r, m * k)), other = F32Tensor.of("o", m, k, gaussian(r, m * k));
        float[] x = gaussian(r, n * k);
        float[] clean = new float[n * m];
        w.matmul(x, n, clean);
        other.matmul(x, n, new float[n * m]);   // leaves other's partial-panel results in this thread's scratch tile
        float[] dirty = new float[n * m];
        Arrays.fill(dirty, Float.NaN);
        w.matmul(x, n, dirty);
        assertThat(dirty).containsExactly(clean);
        for (int p = 0; p < n; p++) {
            for (int row = 0; row < m; row++) {
                double s = 0;
                for (int c = 0; c < k; c++) s += (double) w.get(row, c) * x[p * k + c];
                assertThat(clean[p * m + row]).isCloseTo((float) s, within(1e-3f));
            }
        }
        float[] mv = new float[m];
        Arrays.fill(mv, Float.NaN);
        w.matvec(Arrays.copyOf(x, k), mv);
        for (int row = 0; row < m; row++) assertThat(mv[row]).isCloseTo(clean[row], within(1e-3f));
    }

    /** Random block bytes with every scale field a finite half (1.0 or 0.5), so that every element decodes finite. */
    private static Tensor stored(int type, int rows, int cols, Random r) {
        int bytes = (int) GgmlType.byteSize(type, (long) rows * cols, "t", java.nio.file.Path.of("t"));
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        int blockBytes = GgmlType.blockBytes(type), blocks = bytes / blockBytes;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            int at = i * blockBytes;
            switch (type) {
                case GgmlType.F16, GgmlType.BF16 -> buf.putShort(at, (short) (type == GgmlType.F16 ? 0x3C00 + r.nextInt(0x400) : 0x3F80 + r.nextInt(0x80)));
                case GgmlType.Q8_0, GgmlType.Q4_0 -> buf.putShort(at, (short) 0x3C00);
                case GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K -> buf.putShort(at, (short) 0x3C00).putShort(at + 2, (short) 0x3800);
                case GgmlType.Q6_K -> buf.putShort(at + 208, (short) 0x3800);
                default -> throw new IllegalArgumentException();
            }
        }
        return StoredTensor.of(type, GgmlType.name(type), rows, cols, java.lang.foreign.MemorySegment.ofArray(b));
    }

    /** get is the scalar reference the kernel tests compare against: it must agree with the row decoder on every row. */
    @Test
    void elementAccessAgreesWithRowDecodingOnEveryRowAndNamesItsType() {
        Random r = new Random(4);
        for (int type : new int[]{GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            Tensor t = stored(type, 3, 512, r);
            assertThat(t.dtype()).isEqualTo(GgmlType.name(type));
            for (int row = 0; row < 3; row++) {
                float[] decoded = t.row(row);
                for (int c = 0; c < 512; c++) assertThat(t.get(row, c)).as("%s [%d, %d]", t.dtype(), row, c).isEqualTo(decoded[c]);
            }
            assertThat(t.row(1)).as("rows differ").isNotEqualTo(t.row(2));
        }
        Tensor f32 = F32Tensor.of("w", 3, 40, gaussian(r, 120));
        assertThat(f32.dtype()).isEqualTo("F32");
        Int8RowTensor q = Int8RowTensor.quantize(f32);
        for (int row = 0; row < 3; row++) {
            float[] decoded = q.row(row);
            for (int c = 0; c < 40; c++) {
                assertThat(q.get(row, c)).isEqualTo(decoded[c]);
                assertThat(q.get(row, c)).isCloseTo(f32.get(row, c), within(Math.abs(f32.get(row, c)) / 100 + 0.03f));
            }
        }
        assertThatThrownBy(() -> F32Tensor.of("w", 3, 40, new float[119])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("w: 119 values for 3x40");
    }

    /** Views compute on their base: rows picked, elements replaced, columns scaled; bounds refused in one line. */
    @Test
    void viewsOverABase() {
        float[] v = new float[4 * 40];
        for (int i = 0; i < v.length; i++) v[i] = i % 7 - 3;
        Tensor base = F32Tensor.of("b", 4, 40, v);
        float[] x = new float[40];
        for (int i = 0; i < 40; i++) x[i] = 1 + i % 3;
        RowView slice = RowView.slice("s", base, 1, 3), gather = RowView.gather("g", base, new long[]{3, 0});
        assertThat(slice.rows()).isEqualTo(3);
        assertThat(slice.base()).isSameAs(base);
        assertThat(slice.sourceRow(2)).isEqualTo(3);
        assertThat(slice.dtype()).isEqualTo("F32");
        assertThat(slice.toString()).isEqualTo("s F32 [3, 40]");
        assertThat(gather.row(0)).containsExactly(base.row(3));
        assertThat(gather.dot(1, x, 0)).isEqualTo(base.dot(0, x, 0));
        assertThat(slice.dot(0, x, 0)).isEqualTo(base.dot(1, x, 0)).isNotEqualTo(base.dot(0, x, 0));
        assertThatThrownBy(() -> RowView.slice("s", base, 2, 3)).isInstanceOf(superweight.SuperweightException.class)
                .hasMessage("b: has 4 rows, the configuration needs rows 2..5");
        assertThatThrownBy(() -> RowView.slice("s", base, -1, 2)).hasMessage("b: has 4 rows, the configuration needs rows -1..1");
        assertThat(RowView.slice("s", base, 0, 4).rows()).isEqualTo(4);
        assertThatThrownBy(() -> RowView.gather("g", base, new long[]{0, 4})).hasMessage("b: has 4 rows, the configuration needs row 4");
        assertThatThrownBy(() -> RowView.gather("g", base, new long[]{-1})).hasMessage("b: has 4 rows, the configuration needs row -1");

        EditedTensor edited = new EditedTensor(base, java.util.Map.of(2L, java.util.Map.of(5, 100f)));
        assertThat(edited.base()).isSameAs(base);
        assertThat(edited.dtype()).isEqualTo("F32");
        double want = 0;
        for (int c = 0; c < 40; c++) want += (c == 5 ? 100f : base.get(2, c)) * x[c];
        assertThat((double) edited.dot(2, x, 0)).isCloseTo(want, within(1e-3));
        assertThat(edited.dot(1, x, 0)).isEqualTo(base.dot(1, x, 0));

        float[] factors = new float[40];
        for (int c = 0; c < 40; c++) factors[c] = c % 2 == 0 ? 2f : 0.5f;
        ColumnScaledTensor scaled = new ColumnScaledTensor(base, factors);
        assertThat(scaled.dtype()).isEqualTo("F32*cols");
        assertThat(scaled.get(3, 4)).isEqualTo(base.get(3, 4) * 2f);
        assertThat(scaled.get(3, 5)).isEqualTo(base.get(3, 5) * 0.5f);
        assertThatThrownBy(() -> new ColumnScaledTensor(base, new float[39])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("b: 39 column factors for 40 columns");
    }

    @Test
    void threadCountsBelowOneAreRefused() {
        assertThatThrownBy(() -> Parallel.useThreads(0)).isInstanceOf(IllegalArgumentException.class).hasMessage("threads must be positive, not 0");
        assertThat(Parallel.threads()).isPositive();
    }

    @Test
    void packedCodesRefuseInconsistentParts() {
        float[] t16 = new float[16], t256 = new float[256];
        // 3 x 3 = 9 elements in blocks of 4: 3 blocks; 4-bit codes take 5 bytes, 8-bit ones 9
        BlockCodesTensor ok = new BlockCodesTensor("t", 3, 3, 4, 4, t16, new float[3], new float[3], new byte[5]);
        assertThat(ok.dtype()).isEqualTo("RTN4_B4");
        assertThat(ok.bits()).isEqualTo(4);
        assertThat(ok.blockLength()).isEqualTo(4);
        assertThat(ok.bytes()).isEqualTo(5 + 3 * 8);
        assertThat(new BlockCodesTensor("t", 3, 3, 8, 9, t256, new float[1], new float[1], new byte[9]).dtype()).isEqualTo("RTN8_B9");
        assertThat(BlockCodesTensor.codeBytes(9, 4)).isEqualTo(5);
        assertThat(BlockCodesTensor.codeBytes(9, 8)).isEqualTo(9);
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 3, 4, new float[8], new float[3], new float[3], new byte[5]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("t: packed codes are 4 or 8 bits, not 3");
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 4, 4, new float[15], new float[3], new float[3], new byte[5]))
                .hasMessage("t: a 4-bit table needs 16 entries");
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 8, 4, t16, new float[3], new float[3], new byte[9]))
                .hasMessage("t: a 8-bit table needs 256 entries");
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 4, 4, t16, new float[2], new float[3], new byte[5]))
                .hasMessage("t: 3 blocks need as many scales and minima");
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 4, 4, t16, new float[3], new float[4], new byte[5]))
                .hasMessage("t: 3 blocks need as many scales and minima");
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 4, 4, t16, new float[3], new float[3], new byte[4]))
                .hasMessage("t: wrong number of code bytes");
        assertThatThrownBy(() -> new BlockCodesTensor("t", 3, 3, 8, 4, t256, new float[3], new float[3], new byte[5]))
                .hasMessage("t: wrong number of code bytes");
    }
}
