package superweight.model.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The vectorised row decoders and fused decode dots of F16, BF16, Q4_1, Q6_K and the packed block codes against
 * independent scalar references, on sizes off every multiple of the vector length (Surefire runs this class at 128,
 * 256 and 512 bits): a decoded row must equal the scalar decoder bit for bit (the GEMM packs rows through it, and
 * the determinism contract needs the same bits at every width), a dot must approach a double-precision product.
 */
class DecodeKernelTest {

    /** Every one of the 65536 half-precision patterns against the JDK's own conversion, at an offset in dst. */
    @Test
    void f16RowsWidenEveryPatternAsTheJdkDoes() {
        ByteBuffer b = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int h = 0; h < 65536; h++) b.putShort((short) h);
        Tensor t = new F16Tensor("all", 1, 65536, MemorySegment.ofArray(b.array()));
        float[] row = new float[65536 + 3];
        t.readRow(0, row, 3);
        for (int h = 0; h < 65536; h++) {
            float expected = Float.float16ToFloat((short) h);
            if (Float.isNaN(expected)) assertThat(row[3 + h]).as("pattern %04x", h).isNaN();
            else assertThat(Float.floatToRawIntBits(row[3 + h])).as("pattern %04x", h).isEqualTo(Float.floatToRawIntBits(expected));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 37, 101, 515})
    void halfPrecisionRowsAndDotsOnOddLengths(int cols) {
        Random r = new Random(cols);
        for (boolean bf16 : new boolean[]{false, true}) {
            int rows = 3;
            ByteBuffer b = ByteBuffer.allocate(rows * cols * 2).order(ByteOrder.LITTLE_ENDIAN);
            float[] expected = new float[rows * cols];
            for (int i = 0; i < rows * cols; i++) {
                // Gaussian values, with some f16 subnormals (|v| < 6.1e-5) and zeros of either sign mixed in.
                float v = (float) (r.nextGaussian() * (i % 5 == 0 ? 1e-6 : 1));
                if (i % 11 == 0) v = i % 2 == 0 ? 0f : -0f;
                short bits = bf16 ? (short) (Float.floatToRawIntBits(v) >>> 16) : Float.floatToFloat16(v);
                b.putShort(bits);
                expected[i] = bf16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits);
            }
            MemorySegment s = MemorySegment.ofArray(b.array());
            Tensor t = bf16 ? new BF16Tensor("bf16", rows, cols, s) : new F16Tensor("f16", rows, cols, s);
            assertRowsAre(t, expected);
            assertDotsApproachDoubleProduct(t, r);
        }
    }

    @ParameterizedTest
    @CsvSource({"1,32", "5,96", "3,160"})
    void q4_1RowsEqualTheScalarDecoderAndDotsApproachTheProduct(int rows, int cols) {
        Random r = new Random(rows * 1000L + cols);
        int blocks = rows * cols / 32;
        ByteBuffer b = ByteBuffer.allocate(blocks * 20).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[rows * cols];
        for (int k = 0; k < blocks; k++) {
            float d = (float) r.nextGaussian() * 0.1f, m = (float) r.nextGaussian();
            b.putShort(Float.floatToFloat16(d)).putShort(Float.floatToFloat16(m));
            byte[] q = new byte[16];
            r.nextBytes(q);
            b.put(q);
            // value = d * q + m with d, m as stored (f16), element j from the low nibble of byte j, j + 16 from its high one
            float dd = Float.float16ToFloat(Float.floatToFloat16(d)), mm = Float.float16ToFloat(Float.floatToFloat16(m));
            for (int j = 0; j < 16; j++) {
                expected[k * 32 + j] = dd * (q[j] & 15) + mm;
                expected[k * 32 + 16 + j] = dd * ((q[j] >> 4) & 15) + mm;
            }
        }
        Tensor t = new Q4_1Tensor("q4_1", rows, cols, MemorySegment.ofArray(b.array()));
        assertRowsAre(t, expected);
        assertDotsApproachDoubleProduct(t, r);
    }

    /**
     * 4- and 8-bit codes with the INT table (codes are grid positions) and with an arbitrary table (NF-like levels,
     * gathered); odd row lengths and block lengths, so blocks cross rows and 4-bit segments start on odd elements.
     */
    @ParameterizedTest
    @CsvSource({"4,13,67,50", "4,7,37,1", "4,5,129,1000", "4,3,33,17", "8,13,67,50", "8,7,37,3", "8,5,129,1000"})
    void blockCodesRowsEqualTheArithmeticOfTheFormat(int bits, int rows, int cols, int block) {
        Random r = new Random(bits * 7919L + rows * 31L + cols + block);
        long numel = (long) rows * cols;
        int blocks = (int) ((numel + block - 1) / block);
        float[] scale = new float[blocks], min = new float[blocks];
        for (int k = 0; k < blocks; k++) {
            scale[k] = 0.5f + 10 * r.nextFloat();
            min[k] = (float) r.nextGaussian();
        }
        int[] code = new int[(int) numel];
        byte[] codes = new byte[(int) BlockCodesTensor.codeBytes(numel, bits)];
        for (int e = 0; e < numel; e++) {
            code[e] = r.nextInt(1 << bits);
            BlockCodesTensor.put(codes, bits, e, code[e]);
        }
        float[] identity = new float[1 << bits], levels = new float[1 << bits];
        for (int c = 0; c < identity.length; c++) {
            identity[c] = c;
            levels[c] = (float) r.nextGaussian();
        }
        for (float[] table : new float[][]{identity, levels}) {
            BlockCodesTensor t = new BlockCodesTensor("t", rows, cols, bits, block, table, scale, min, codes);
            float[] expected = new float[(int) numel];
            for (int e = 0; e < numel; e++) expected[e] = table[code[e]] / scale[e / block] + min[e / block];
            assertRowsAre(t, expected);
            assertDotsApproachDoubleProduct(t, r);
        }
    }

    /**
     * The fused Q6_K dot bit for bit against a scalar transcription of its order of operations: per 16-value scale
     * group, lane i (of 8) holds q[i] * x[i] rounded, then fma(q[i + 8], x[i + 8], that); the group's lanes are
     * fma'd with the float d * scale into accumulator 0 (quarters 0 and 2 of each half-super-block step) or 1
     * (quarters 1 and 3) in block order; the result is the pairwise tree sum of the lanes of acc0 + acc1. The decode path's bits
     * are not pinned elsewhere: catches any change of this order (groups visited out of turn after a loop rewrite,
     * a quarter fed to the other accumulator, a product fused where it was rounded) that the tolerance test misses.
     */
    @ParameterizedTest
    @CsvSource({"1,256", "5,768"})
    void q6_KDotKeepsItsOrderOfOperations(int rows, int cols) {
        Random r = new Random(rows * 17L + cols);
        byte[] w = new byte[rows * cols / 256 * 210];
        r.nextBytes(w);
        ByteBuffer b = ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < rows * cols / 256; k++) b.putShort(k * 210 + 208, Float.floatToFloat16((float) r.nextGaussian() * 0.01f));
        Tensor t = new Q6_KTensor("q6_k", rows, cols, MemorySegment.ofArray(w));
        float[] x = new float[cols + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int row = 0; row < rows; row++)
            assertThat(Float.floatToRawIntBits(t.dot(row, x, 3))).as("row %d", row).isEqualTo(Float.floatToRawIntBits(q6_KDotTranscribed(w, row, cols, x, 3)));
    }

    private static float q6_KDotTranscribed(byte[] w, int row, int cols, float[] x, int xOff) {
        float[][] acc = new float[2][8];
        for (int sb = 0; sb < cols / 256; sb++) {
            int base = (row * (cols / 256) + sb) * 210;
            float d = Float.float16ToFloat((short) ((w[base + 208] & 0xFF) | (w[base + 209] << 8)));
            for (int half = 0; half < 2; half++)
                for (int l = 0; l < 32; l += 16)
                    for (int k = 0; k < 4; k++) {
                        float ds = d * w[base + 192 + half * 8 + l / 16 + 2 * k];
                        for (int i = 0; i < 8; i++) {
                            int e = half * 128 + 32 * k + l + i, o = xOff + sb * 256 + e;
                            float g = q6_KCode(w, base, e) * x[o];
                            g = Math.fma((float) q6_KCode(w, base, e + 8), x[o + 8], g);
                            acc[k & 1][i] = Math.fma(g, ds, acc[k & 1][i]);
                        }
                    }
        }
        float[] t = new float[8];
        for (int i = 0; i < 8; i++) t[i] = acc[0][i] + acc[1][i];
        return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    }

    /** q - 32 of element e (0..255) of the super-block at byte {@code base}, from the layout in Q6_KTensor's doc. */
    private static int q6_KCode(byte[] w, int base, int e) {
        int half = e / 128, quarter = (e % 128) / 32, l = e % 32;
        int lo = w[base + half * 64 + l + 32 * (quarter & 1)] & 0xFF;
        lo = quarter < 2 ? lo & 15 : lo >>> 4;
        int hi = ((w[base + 128 + half * 32 + l] & 0xFF) >>> (2 * quarter)) & 3;
        return (lo | (hi << 4)) - 32;
    }

    /**
     * The fused Q6_K dot (codes assembled in 32-bit lanes, per-group sums scaled once): odd row counts, one to three
     * super-blocks, rows of random bytes and rows at the extremes (codes all 0 or all 63, i.e. q - 32 = -32 or 31,
     * with scales all -128 or 127), against the double product of the scalar decoder ({@link Tensor#get}, checked
     * by KQuantTensorTest); matvec the same bits at 1, 2 and 3 threads. Catches a scale taken from the wrong group
     * or read unsigned, a quarter's high bits from the wrong pair of qh bits, a lost -32 offset, and a group or
     * quarter left out.
     */
    @ParameterizedTest
    @CsvSource({"1,256", "7,512", "37,768"})
    void q6_KDotsApproachTheProductAtTheExtremesAndEveryThreadCount(int rows, int cols) {
        Random r = new Random(rows * 31L + cols);
        int blocks = rows * cols / 256;
        byte[] w = new byte[blocks * 210];
        r.nextBytes(w);
        ByteBuffer b = ByteBuffer.wrap(w).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < blocks; k++) {
            int kind = (k / (cols / 256)) % 3; // per row: 0 lowest codes, 1 highest, 2 random
            if (kind < 2) {
                Arrays.fill(w, k * 210, k * 210 + 192, kind == 0 ? (byte) 0 : (byte) 0xFF);
                Arrays.fill(w, k * 210 + 192, k * 210 + 208, kind == 0 ? (byte) -128 : (byte) 127);
            }
            b.putShort(k * 210 + 208, Float.floatToFloat16((float) r.nextGaussian() * 0.01f));
        }
        Tensor t = new Q6_KTensor("q6_k", rows, cols, MemorySegment.ofArray(w));
        assertDotsApproachDoubleProduct(t, r);
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) r.nextGaussian();
        float[][] out = new float[3][rows];
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.useThreads(threads);
                t.matvec(x, out[threads - 1]);
            }
        } finally {
            Parallel.useThreads(before);
        }
        assertThat(out[1]).containsExactly(out[0]);
        assertThat(out[2]).containsExactly(out[0]);
    }

    /** readRow of every row, at an offset in dst, equals the expected floats bit for bit (and get agrees). */
    private static void assertRowsAre(Tensor t, float[] expected) {
        int cols = t.cols();
        float[] row = new float[cols + 5];
        for (int i = 0; i < t.rows(); i++) {
            Arrays.fill(row, Float.NaN);
            t.readRow(i, row, 5);
            for (int c = 0; c < cols; c++) {
                float want = expected[i * cols + c];
                assertThat(Float.floatToRawIntBits(row[5 + c])).as("%s row %d col %d: %s, expected %s", t, i, c, row[5 + c], want)
                        .isEqualTo(Float.floatToRawIntBits(want));
                assertThat(Float.floatToRawIntBits(t.get(i, c))).isEqualTo(Float.floatToRawIntBits(want));
            }
        }
    }

    /** dot with x at an offset, and matvec, against a double-precision product of the scalar decoder. */
    private static void assertDotsApproachDoubleProduct(Tensor t, Random r) {
        int rows = (int) t.rows(), cols = t.cols();
        float[] x = new float[cols + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] out = new float[rows];
        t.matvec(Arrays.copyOfRange(x, 3, cols + 3), out);
        for (int i = 0; i < rows; i++) {
            double s = 0, magnitude = 0;
            for (int c = 0; c < cols; c++) {
                s += (double) t.get(i, c) * x[3 + c];
                magnitude += Math.abs((double) t.get(i, c) * x[3 + c]);
            }
            assertThat((double) t.dot(i, x, 3)).as("%s dot row %d", t, i).isCloseTo(s, within(1e-5 * magnitude + 1e-30));
            assertThat((double) out[i]).as("%s matvec row %d", t, i).isCloseTo(s, within(1e-5 * magnitude + 1e-30));
        }
    }
}
