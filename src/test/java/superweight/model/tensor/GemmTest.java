package superweight.model.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The prefill GEMM against two independent references: the scalar in-order fma chain along k (which it must equal
 * bit for bit, whatever the tile, k block, panel edge, position block, thread count or vector width; Surefire runs
 * this class again at 128, 256 and 512 bits) and a double-precision product (which it must approach).
 */
class GemmTest {
    private static final int THREADS = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.useThreads(THREADS);
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** s = fma(w[r][k], x[p][k], s) for k = 0..K-1 from 0, one output at a time, from the scalar decoder get(). */
    private static float[] fmaChain(Tensor t, float[] x, int n) {
        int m = (int) t.rows(), k = t.cols();
        float[] out = new float[n * m];
        for (int p = 0; p < n; p++) {
            for (int r = 0; r < m; r++) {
                float s = 0;
                for (int j = 0; j < k; j++) s = Math.fma(t.get(r, j), x[p * k + j], s);
                out[p * m + r] = s;
            }
        }
        return out;
    }

    private static void assertExactAndClose(Tensor t, float[] x, int n, float[] got) {
        float[] chain = fmaChain(t, x, n);
        int m = (int) t.rows(), k = t.cols();
        for (int p = 0; p < n; p++) {
            for (int r = 0; r < m; r++) {
                assertThat(got[p * m + r]).as("%s out[%d][%d] vs fma chain", t, p, r).isEqualTo(chain[p * m + r]);
                double s = 0;
                for (int j = 0; j < k; j++) s += (double) t.get(r, j) * x[p * k + j];
                assertThat(got[p * m + r]).isCloseTo((float) s, within(2e-5f * k));
            }
        }
    }

    // Sizes off every multiple: rows around the panel (2 x 4 or 8 lanes, 3 x 16 at 512 bits), k across the 256-deep
    // k block; positions this few go through the position lanes (the packed tiles: the tests below).
    @ParameterizedTest
    @CsvSource({"1,1,2", "7,5,3", "33,67,7", "50,300,13", "97,513,8", "17,256,6", "64,37,25"})
    void f32EqualsTheScalarFmaChainBitForBit(int m, int k, int n) {
        Random r = new Random(31L * m + k);
        Tensor t = F32Tensor.of("w", m, k, gaussian(r, m * k));
        float[] x = gaussian(r, n * k), out = new float[n * m];
        t.matmul(x, n, out);
        assertExactAndClose(t, x, n, out);
    }

    /**
     * Both paths of the product, the position lanes of short calls and the packed panels, equal the scalar chain bit
     * for bit on the same inputs: rows off the 6-row tile, positions off the vector width and its double, and
     * counts on both sides of the switch between the paths (so switching never changes a score).
     */
    @ParameterizedTest
    @CsvSource({"13,40,1", "6,17,2", "11,33,9", "25,70,17", "7,129,33", "19,64," + PositionLanesGemm.MAX_POSITIONS,
            "5,23," + (PositionLanesGemm.MAX_POSITIONS + 1), "13,40,100"})
    void positionLanesAndPackedPanelsBothEqualTheScalarChain(int m, int k, int n) {
        Random r = new Random(17L * m + n);
        Tensor t = F32Tensor.of("w", m, k, gaussian(r, m * k));
        float[] x = gaussian(r, n * k), chain = fmaChain(t, x, n);
        float[] lanes = new float[n * m], packed = new float[n * m], dispatched = new float[n * m];
        PositionLanesGemm.multiply(t, x, n, lanes);
        Gemm.multiplyPacked(t, x, n, packed);
        t.matmul(x, n, dispatched);
        assertThat(lanes).as("position lanes").isEqualTo(chain);
        assertThat(packed).as("packed panels").isEqualTo(chain);
        assertThat(dispatched).as("matmul").isEqualTo(chain);
    }

    /** A BF16 matrix (the 7B target's storage) through the position lanes at 1, 2 and 3 threads. */
    @Test
    void positionLanesOfBf16AtAnyThreadCountEqualTheChain() {
        Random r = new Random(23);
        Tensor t = halfs(r, 31, 75, true);
        int n = 21;
        float[] x = gaussian(r, n * 75), chain = fmaChain(t, x, n);
        for (int threads : new int[]{1, 2, 3}) {
            Parallel.useThreads(threads);
            float[] out = new float[n * 31];
            PositionLanesGemm.multiply(t, x, n, out);
            assertThat(out).as("%d threads", threads).isEqualTo(chain);
        }
    }

    /** Every storage type goes through its row decoder into the same panel: the same exactness holds. */
    @Test
    void everyStorageTypeAndViewEqualsTheScalarFmaChain() {
        Random r = new Random(5);
        int m = 37, k = 96, n = 9;
        float[] x = gaussian(r, n * k);
        Tensor f32 = F32Tensor.of("f", m, k, gaussian(r, m * k));
        Tensor[] tensors = {
                halfs(r, m, k, false), halfs(r, m, k, true), q8(r, m, k), q4(r, m, k, 18), q4(r, m, k, 20),
                RowView.gather("g", f32, new long[]{5, 3, 36, 0, 9, 9, 1}),
                new EditedTensor(f32, Map.of(4L, Map.of(7, 123f), 36L, Map.of(95, -1e3f)))};
        for (Tensor t : tensors) {
            float[] out = new float[n * (int) t.rows()];
            t.matmul(x, n, out);
            assertExactAndClose(t, x, n, out);
        }
    }

    /**
     * The packed panels alone (matmul sends calls this short to the position lanes) on sizes off every multiple:
     * k across one and two 256-deep k blocks (an accumulator that did not continue its chain from the output, or
     * restarted it, fails), positions that leave 1 to 4 after the 5-position tiles (1 to 7 after the 8-position
     * tiles of 512 bits), rows off the panel, and 1, 2 and 3 threads (which also cut the positions into blocks of
     * whole tiles when panels are few).
     */
    @ParameterizedTest
    @CsvSource({"3,257,6", "17,300,7", "33,513,9", "40,769,11", "9,520,24", "70,260,5", "1,2,4"})
    void packedPanelsEqualTheScalarChainAcrossKBlocksTilesAndThreads(int m, int k, int n) {
        Random r = new Random(13L * m + 7L * k + n);
        Tensor t = F32Tensor.of("w", m, k, gaussian(r, m * k));
        float[] x = gaussian(r, n * k), chain = fmaChain(t, x, n);
        for (int threads : new int[]{1, 2, 3}) {
            Parallel.useThreads(threads);
            float[] out = new float[n * m];
            Gemm.multiplyPacked(t, x, n, out);
            assertThat(out).as("%d x %d x %d, %d threads", m, k, n, threads).isEqualTo(chain);
        }
    }

    /** Threads and the split into panels and position blocks change who computes an output, never its bits. */
    @Test
    void resultsDoNotDependOnThreadsOrSplit() {
        Random r = new Random(9);
        int m = 75, k = 129, n = 31;
        Tensor t = F32Tensor.of("w", m, k, gaussian(r, m * k));
        float[] x = gaussian(r, n * k), expected = fmaChain(t, x, n);
        for (int threads : new int[]{1, 2, 3}) {
            Parallel.useThreads(threads);
            float[] out = new float[n * m];
            t.matmul(x, n, out);
            assertThat(out).as("%d threads", threads).isEqualTo(expected);
        }
        int panel = Gemm.PANEL_ROWS;
        float[] pieces = new float[n * m];
        for (int r0 = 0; r0 < m; r0 += panel) {
            Gemm.multiplyPanel(t, x, n, pieces, r0, 0, 4);
            Gemm.multiplyPanel(t, x, n, pieces, r0, 4, 5);
            Gemm.multiplyPanel(t, x, n, pieces, r0, 5, n);
        }
        assertThat(pieces).isEqualTo(expected);
    }

    /**
     * The decode path's fused dots (and the row-decode default) of every storage type against a double-precision
     * product of the scalar decoder, with random x at an offset (an x-index slip in a fused kernel fails here).
     */
    @Test
    void decodeDotsOfEveryStorageTypeMatchTheScalarReference() {
        Random r = new Random(12);
        int m = 5, k = 512;
        Tensor[] tensors = {F32Tensor.of("f", m, k, gaussian(r, m * k)), halfs(r, m, k, false), halfs(r, m, k, true),
                q8(r, m, k), q4(r, m, k, 18), q4(r, m, k, 20), kquant(r, m, k, 144), kquant(r, m, k, 176), kquant(r, m, k, 210)};
        float[] x = gaussian(r, k + 3);
        for (Tensor t : tensors) {
            float[] out = new float[m];
            t.matvec(java.util.Arrays.copyOfRange(x, 3, k + 3), out);
            for (int row = 0; row < m; row++) {
                double s = 0, magnitude = 0;
                for (int c = 0; c < k; c++) {
                    s += (double) t.get(row, c) * x[3 + c];
                    magnitude += Math.abs((double) t.get(row, c) * x[3 + c]);
                }
                assertThat((double) t.dot(row, x, 3)).as("%s row %d", t, row).isCloseTo(s, within(1e-5 * magnitude));
                assertThat((double) out[row]).as("%s matvec row %d", t, row).isCloseTo(s, within(1e-5 * magnitude));
            }
        }
    }

    /** Q4_K (144-byte super-blocks), Q5_K (176) or Q6_K (210) of random bits with a small finite f16 scale. */
    private static Tensor kquant(Random r, int m, int k, int blockBytes) {
        byte[] b = new byte[m * k / 256 * blockBytes];
        r.nextBytes(b);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int blk = 0; blk < m * k / 256; blk++) {
            int at = blk * blockBytes;
            if (blockBytes == 210) bb.putShort(at + 208, Float.floatToFloat16(0.001f * (blk + 1)));
            else bb.putShort(at, Float.floatToFloat16(0.01f * (blk + 1))).putShort(at + 2, Float.floatToFloat16(0.003f));
        }
        MemorySegment s = MemorySegment.ofArray(b);
        return switch (blockBytes) {
            case 144 -> new Q4_KTensor("q4_k", m, k, s);
            case 176 -> new Q5_KTensor("q5_k", m, k, s);
            default -> new Q6_KTensor("q6_k", m, k, s);
        };
    }

    @Test
    void noPositionsWriteNothing() {
        Tensor t = F32Tensor.of("w", 3, 2, new float[]{1, 2, 3, 4, 5, 6});
        float[] out = {7f};
        t.matmul(new float[0], 0, out);
        assertThat(out).containsExactly(7f);
    }

    @Test
    void speciesFollowsTheRequestedWidth() {
        Integer bits = Integer.getInteger("superweight.vector.bits");
        if (bits != null) assertThat(VectorMath.S.vectorBitSize()).isEqualTo(bits);
    }

    private static Tensor halfs(Random r, int m, int k, boolean bf16) {
        ByteBuffer b = ByteBuffer.allocate(m * k * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < m * k; i++) {
            float v = (float) r.nextGaussian();
            b.putShort(bf16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v));
        }
        MemorySegment s = MemorySegment.ofArray(b.array());
        return bf16 ? new BF16Tensor("bf16", m, k, s) : new F16Tensor("f16", m, k, s);
    }

    private static Tensor q8(Random r, int m, int k) {
        ByteBuffer b = ByteBuffer.allocate(m * k / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < m * k / 32; i++) {
            b.putShort(Float.floatToFloat16(0.01f * (i % 7 + 1)));
            for (int j = 0; j < 32; j++) b.put((byte) (r.nextInt(255) - 127));
        }
        return new Q8_0Tensor("q8", m, k, MemorySegment.ofArray(b.array()));
    }

    /** Q4_0 (18-byte blocks) or Q4_1 (20-byte blocks: scale and minimum). */
    private static Tensor q4(Random r, int m, int k, int blockBytes) {
        ByteBuffer b = ByteBuffer.allocate(m * k / 32 * blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < m * k / 32; i++) {
            b.putShort(Float.floatToFloat16(-0.02f * (i % 5 + 1)));
            if (blockBytes == 20) b.putShort(Float.floatToFloat16(0.1f * (i % 3 - 1)));
            for (int j = 0; j < 16; j++) b.put((byte) r.nextInt(256));
        }
        MemorySegment s = MemorySegment.ofArray(b.array());
        return blockBytes == 18 ? new Q4_0Tensor("q4_0", m, k, s) : new Q4_1Tensor("q4_1", m, k, s);
    }
}
