package superweight.model.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The int8 kernels against a plain scalar transcription of llama.cpp's generic C dot products (below, written
 * from ggml-cpu-quants.c: byte decoding, the utmp scale unpacking of the K-quants, aux32/sums arrays), bit for bit,
 * on odd sizes (rows, blocks and positions not multiples of any lane count, tile or thread count). Surefire runs
 * this class again at 128, 256 and 512-bit vectors (pom.xml), so every width is compared with the same reference.
 * The activation quantizers are checked against values computed by hand, and the whole product against the
 * float dot of the independently tested decoders ({@link Tensor#get}) times the dequantized activations.
 */
class Int8KernelsTest {
    private static final String[] TYPES = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"};

    // ---- activation quantizers, by hand ----------------------------------------------------------------------------

    @Test
    void q8_0RoundsHalvesAwayFromZeroWithTheScaleAsF16() {
        float[] x = new float[32];
        x[0] = 127f; // amax 127: d = 1, 1/d = 1, q = roundf(x)
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.49999997f; // the largest float below 1/2: 0, not the 1 that a float x + 0.5 would give
        x[4] = -126.5f;
        Q8Activations a = Q8Activations.quantize(Q8Activations.Format.Q8_0, x, 1, 32);
        assertThat(new int[]{a.q(0, 0), a.q(0, 1), a.q(0, 2), a.q(0, 3), a.q(0, 4), a.q(0, 5)}).containsExactly(127, 3, -3, 0, -127, 0);
        assertThat(a.scale(0, 0)).isEqualTo(1f);

        float[] y = new float[32];
        y[0] = 1f; // d = 1/127 = 0.0078740157, as f16 1032 / 2^17 = 0.00787353515625
        Q8Activations b = Q8Activations.quantize(Q8Activations.Format.Q8_0, y, 1, 32);
        assertThat(b.scale(0, 0)).isEqualTo(0.00787353515625f);
        assertThat(b.q(0, 0)).isEqualTo(127);
    }

    @Test
    void x86RoundingDividesIntoTheMaximumAndRoundsHalvesToEven() {
        float[] x = new float[64];
        x[0] = 127f; // d = 1: x * id = x in both quantizers
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 1.5f;
        x[4] = 0.5f;
        // amax 2.7805755: 127 / amax = 45.673996 but 1 / (amax / 127) = 45.674, one ulp apart, which moves
        // 0.07663003 * id to 3.4999998 (x86: 3) from 3.5000002 (reference: 4); found by a search in float32 (numpy)
        x[32] = 2.7805755138397217f;
        x[33] = 0.07663003355264664f;
        Q8Activations ref = Q8Activations.quantize(Q8Activations.Format.Q8_0, Q8Activations.Rounding.REFERENCE, x, 1, 64);
        Q8Activations x86 = Q8Activations.quantize(Q8Activations.Format.Q8_1, Q8Activations.Rounding.X86, x, 1, 64);
        assertThat(new int[]{ref.q(0, 1), ref.q(0, 2), ref.q(0, 3), ref.q(0, 4), ref.q(0, 33)}).containsExactly(3, -3, 2, 1, 4);
        assertThat(new int[]{x86.q(0, 1), x86.q(0, 2), x86.q(0, 3), x86.q(0, 4), x86.q(0, 33)}).containsExactly(2, -2, 2, 0, 3);
        assertThat(x86.scale(0, 32)).isEqualTo(ref.scale(0, 32)); // d = amax / 127 in both
        assertThat(x86.s[0]).isEqualTo(129f);                   // (127 + 2 - 2 + 2 + 0) * 1
    }

    @Test
    void q8_1KeepsTheBlockSumTimesTheF32ScaleAsF16() {
        float[] x = new float[64];
        x[0] = 127f;
        x[1] = -27f;
        x[2] = 2.5f; // 3
        x[32] = 1f;   // second block: d = 1/127, q = 127
        x[33] = 0.5f; // 63.5 -> 64
        Q8Activations a = Q8Activations.quantize(Q8Activations.Format.Q8_1, x, 1, 64);
        assertThat(a.s[0]).isEqualTo(103f);                              // (127 - 27 + 3) * 1
        assertThat(a.q(0, 33)).isEqualTo(64);
        // 191 * (1/127 in f32) = 1.503937, as f16: 1540 / 1024 = 1.50390625
        assertThat(a.s[1]).isEqualTo(1.50390625f);
        assertThat(a.scale(0, 32)).isEqualTo(0.00787353515625f);
    }

    @Test
    void q8_kScalesBySignedMaximumAndRoundsHalvesToEven() {
        float[] x = new float[256];
        x[0] = -2.5f;
        x[1] = 127f;  // the first value of largest magnitude: max = 127, iscale = -1
        x[2] = -127f; // 127 (would be +127 anyway)
        x[3] = 3.5f;  // -3.5 -> -4 (even)
        x[4] = 2.5f;  // -2.5 -> -2 (even)
        for (int j = 16; j < 32; j++) x[j] = -1f; // second group of 16: q = 1 each
        Q8Activations a = Q8Activations.quantize(Q8Activations.Format.Q8_K, x, 1, 256);
        assertThat(new int[]{a.q(0, 0), a.q(0, 1), a.q(0, 2), a.q(0, 3), a.q(0, 4)}).containsExactly(2, -127, 127, -4, -2);
        assertThat(a.scale(0, 0)).isEqualTo(-1f);
        assertThat(a.bsums[0]).isEqualTo(2 - 127 + 127 - 4 - 2);
        assertThat(a.bsums[1]).isEqualTo(16);

        float[] y = new float[256];
        y[7] = -200f; // max = -200: iscale = 127/200 = 0.635, the maximum maps to -127 and d = 1/0.635 is positive
        y[8] = 199.9f; // 126.94 -> 127
        Q8Activations b = Q8Activations.quantize(Q8Activations.Format.Q8_K, y, 1, 256);
        assertThat(new int[]{b.q(0, 7), b.q(0, 8)}).containsExactly(-127, 127);
        assertThat((double) b.scale(0, 0)).isCloseTo(1.5748031, within(1e-6));
    }

    @Test
    void anAllZeroBlockQuantizesToZeroWithScaleZero() {
        for (Q8Activations.Format f : Q8Activations.Format.values()) {
            Q8Activations a = Q8Activations.quantize(f, new float[256], 1, 256);
            assertThat(a.scale(0, 0)).isZero();
            assertThat(a.q(0, 5)).isZero();
        }
    }

    // ---- kernels against the scalar transcription ------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void everyOutputEqualsTheGenericCDotBitForBit(String type) {
        Random r = new Random(type.hashCode());
        // rows: several whole panels (2 vectors of rows) and a partial one; n: three tiles of six positions and one
        // single one
        int rows = 101, blocks = 3, cols = blocks * block(type), n = 19;
        StoredTensor t = randomTensor(type, rows, cols, r);
        float[] x = activations(n, cols, r);
        Tensor fast = Int8KernelTensor.over(t);
        assertThat(fast).isInstanceOf(Int8KernelTensor.class);
        float[] out = new float[n * rows];
        fast.matmul(x, n, out);
        Q8Activations a = Q8Activations.quantize(((Int8KernelTensor) fast).activationFormat(), x, n, cols);
        byte[] bytes = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        for (int p = 0; p < n; p++) {
            for (int row = 0; row < rows; row++) {
                assertThat(out[p * rows + row]).as("%s row %d position %d", type, row, p).isEqualTo(reference(type, bytes, row, blocks, a, p));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void theProductIsTheDecodedWeightsTimesTheDequantizedActivations(String type) {
        Random r = new Random(7 + type.hashCode());
        int rows = 9, cols = 2 * block(type), n = 3;
        StoredTensor t = randomTensor(type, rows, cols, r);
        float[] x = activations(n, cols, r);
        Int8KernelTensor fast = (Int8KernelTensor) Int8KernelTensor.over(t);
        float[] out = new float[n * rows];
        fast.matmul(x, n, out);
        Q8Activations a = Q8Activations.quantize(fast.activationFormat(), x, n, cols);
        for (int p = 0; p < n; p++) {
            for (int row = 0; row < rows; row++) {
                double exact = 0, scale = 0, unquantized = 0, lost = 0;
                for (int c = 0; c < cols; c++) {
                    double wc = t.get(row, c);
                    exact += wc * a.q(p, c) * a.scale(p, c);
                    scale += Math.abs(wc * x[p * cols + c]);
                    unquantized += wc * x[p * cols + c];
                    // rounding loses at most half a step; the f16 scale up to 127 * 2^-11 steps more
                    lost += Math.abs(wc) * 0.57 * Math.abs(a.scale(p, c));
                }
                // Q8_1 keeps the block sum s = d * sum(q) as f16, which meets Q4_1's minimum: 2^-11 of |s| per block
                double sumError = 0;
                for (int blk = 0; a.s != null && blk < a.blocks; blk++) {
                    double wmax = 0;
                    for (int c = blk * 32; c < blk * 32 + 32; c++) wmax = Math.max(wmax, Math.abs(t.get(row, c)));
                    sumError += Math.abs(a.s[p * a.blocks + blk]) * 0x1p-11 * wmax;
                }
                assertThat((double) out[p * rows + row]).as("%s row %d", type, row).isCloseTo(exact, within(1e-5 * scale + sumError + 1e-6));
                assertThat((double) out[p * rows + row]).isCloseTo(unquantized, within(lost + 1e-5 * scale));
                assertThat(out[p * rows + row]).isNotEqualTo((float) unquantized);
            }
        }
    }

    @Test
    void rowViewsMultiplyTheRowsTheyPick() {
        Random r = new Random(3);
        StoredTensor t = randomTensor("Q4_0", 12, 64, r);
        Tensor view = RowView.gather("picked", RowView.slice("lower", t, 4, 8), new long[]{7, 0, 3});
        float[] x = activations(2, 64, r), got = new float[6], all = new float[24];
        Int8KernelTensor.over(view).matmul(x, 2, got);
        Int8KernelTensor.over(t).matmul(x, 2, all);
        for (int p = 0; p < 2; p++) {
            assertThat(new float[]{got[p * 3], got[p * 3 + 1], got[p * 3 + 2]})
                    .containsExactly(all[p * 12 + 11], all[p * 12 + 4], all[p * 12 + 7]);
        }
    }

    @Test
    void typesWithoutAnIntegerKernelAndPartialBlocksStayInFloat() {
        Tensor f32 = F32Tensor.of("w", 2, 32, new float[64]);
        assertThat(Int8KernelTensor.over(f32)).isSameAs(f32);
        StoredTensor k = randomTensor("Q8_0", 2, 256, new Random(1));
        assertThat(Int8KernelTensor.over(new ColumnScaledTensor(k, new float[256]))).isNotInstanceOf(Int8KernelTensor.class);
    }

    @Test
    void decodeScoringThreadsAndBatchSplitsGiveTheSameBits() {
        for (String type : TYPES) {
            Random r = new Random(11);
            int rows = 53, cols = 3 * block(type), n = 7;
            Tensor fast = Int8KernelTensor.over(randomTensor(type, rows, cols, r));
            float[] x = activations(n, cols, r);
            float[] one = run(fast, x, n, rows, 1), two = run(fast, x, n, rows, 2), three = run(fast, x, n, rows, 3);
            assertThat(two).as(type).containsExactly(one);
            assertThat(three).as(type).containsExactly(one);
            for (int p = 0; p < n; p++) {
                float[] single = new float[rows];
                fast.matvec(java.util.Arrays.copyOfRange(x, p * cols, (p + 1) * cols), single);
                assertThat(single).as("%s decode of position %d", type, p).containsExactly(java.util.Arrays.copyOfRange(one, p * rows, (p + 1) * rows));
            }
        }
    }

    /**
     * Decode folds Q4_0 rows in 16-bit lanes, modulo 2^16, and sums Q8_0 rows per block: rows whose block sums reach
     * the bounds the kernels rely on (Q4_0: nibbles all 0 or all 15 against activations all +-127, sums +-32512 and
     * +-28448; Q8_0: codes all -128 or 127, |sum| up to 32 * 128 * 127, each pair of products up to 2 * 128 * 127 in
     * 16 bits) must still equal the generic C dot. Two whole groups (of 8, 16 or 32 rows, by the vector width) and a
     * tail of three rows through the row kernel.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0"})
    void decodeGroupsHoldTheExtremeBlockSums(String type) {
        Random r = new Random(5);
        int rows = 2 * Int8Decode.GROUP + 3, blocks = 3, cols = blocks * 32, bytes = type.equals("Q8_0") ? 34 : 18;
        StoredTensor random = randomTensor(type, rows, cols, r);
        byte[] w = random.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        for (int row = 0; row < rows; row++) {
            int kind = row % 3; // 0: lowest codes, 1: highest codes, 2: random codes
            for (int b = 0; kind < 2 && b < blocks; b++) {
                int at = (row * blocks + b) * bytes + 2;
                byte code = type.equals("Q8_0") ? (byte) (kind == 0 ? -128 : 127) : (byte) (kind == 0 ? 0x00 : 0xFF);
                java.util.Arrays.fill(w, at, at + bytes - 2, code);
            }
        }
        StoredTensor t = (StoredTensor) StoredTensor.of(type.equals("Q8_0") ? GgmlType.Q8_0 : GgmlType.Q4_0, "w", rows, cols, MemorySegment.ofArray(w));
        float[] x = new float[cols];
        for (int c = 0; c < cols; c++) x[c] = c < 32 ? 1f : c < 64 ? -1f : (c % 2 == 0 ? 1f : -1f); // q = 127, -127, alternating
        Int8KernelTensor fast = (Int8KernelTensor) Int8KernelTensor.over(t);
        float[] out = new float[rows];
        fast.matvec(x, out);
        Q8Activations a = Q8Activations.quantize(fast.activationFormat(), x, 1, cols);
        assertThat(new int[]{a.q(0, 0), a.q(0, 32), a.q(0, 64), a.q(0, 65)}).containsExactly(127, -127, 127, -127);
        for (int row = 0; row < rows; row++) {
            assertThat(out[row]).as("%s row %d", type, row).isEqualTo(reference(type, w, row, blocks, a, 0));
        }
    }

    /**
     * Q4_0, Q8_0 and Q6_K decode run a group of rows at once (8, 16 or 32: one per 16-bit lane of the vector
     * width), from a packed copy (lanes across rows): row counts below, at and between multiples of the group, five blocks, at 1, 2 and 3 threads, each output equal to the
     * generic C dot; then a gathered row view (packed in the view's order) and two tensors in one
     * {@link Tensor#matvecAll} range, the first 29 rows long, so that the second one's chunks (whole groups)
     * start between groups. Catches codes interleaved with the wrong row or code index, a group tail left out or run
     * twice, a range start rounded into the previous chunk's rows, a scale read from the wrong block or row, and a
     * float step in another order than llama.cpp's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q6_K"})
    void decodeGroupsEqualTheGenericCDotAtEveryThreadCount(String type) {
        int blocks = 5, cols = blocks * block(type);
        Q8Activations.Format format = type.equals("Q6_K") ? Q8Activations.Format.Q8_K : Q8Activations.Format.Q8_0;
        for (int rows : new int[]{3, 16, 29, 67, 100, Int8Decode.GROUP, 3 * Int8Decode.GROUP}) {
            Random r = new Random(rows);
            StoredTensor t = randomTensor(type, rows, cols, r);
            assertThat(Int8Decode.packs(t)).isTrue();
            Tensor fast = Int8KernelTensor.over(t);
            float[] x = activations(1, cols, r);
            Q8Activations a = Q8Activations.quantize(format, x, 1, cols);
            byte[] bytes = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            for (int threads = 1; threads <= 3; threads++) {
                float[] out = run(fast, x, 1, rows, threads);
                for (int row = 0; row < rows; row++) {
                    assertThat(out[row]).as("%s %d rows, row %d, %d threads", type, rows, row, threads).isEqualTo(reference(type, bytes, row, blocks, a, 0));
                }
            }
        }
        Random r = new Random(9);
        StoredTensor first = randomTensor(type, 29, cols, r), second = randomTensor(type, 200, cols, r);
        long[] picked = new long[40];
        for (int i = 0; i < picked.length; i++) picked[i] = (i * 7L + 3) % 200;
        Tensor view = Int8KernelTensor.over(RowView.gather("picked", second, picked));
        float[] x = activations(1, cols, r);
        Q8Activations a = Q8Activations.quantize(format, x, 1, cols);
        byte[] firstBytes = first.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        byte[] secondBytes = second.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        float[] fromView = new float[picked.length], one = new float[29], two = new float[200];
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.useThreads(threads);
                view.matvec(x, fromView);
                for (int i = 0; i < picked.length; i++) {
                    assertThat(fromView[i]).as("%s view row %d", type, i).isEqualTo(reference(type, secondBytes, (int) picked[i], blocks, a, 0));
                }
                Tensor.matvecAll(new Tensor[]{Int8KernelTensor.over(first), Int8KernelTensor.over(second)}, x, new float[][]{one, two});
                for (int row = 0; row < 29; row++) assertThat(one[row]).isEqualTo(reference(type, firstBytes, row, blocks, a, 0));
                for (int row = 0; row < 200; row++) assertThat(two[row]).as("%s second row %d, %d threads", type, row, threads).isEqualTo(reference(type, secondBytes, row, blocks, a, 0));
            }
        } finally {
            Parallel.useThreads(before);
        }
    }

    /** Three Q8_0 activation blocks of one position: random, +-127 alternating, random. */
    private static Q8Activations threeBlocksWithExtremesBetween(long seed) {
        float[] x = activations(1, 96, new Random(seed));
        for (int c = 32; c < 64; c++) x[c] = c % 2 == 0 ? 1f : -1f;
        return Q8Activations.quantize(Q8Activations.Format.Q8_0, x, 1, 96);
    }

    /**
     * The Q4_0 group kernel's identity, on its own: for every 16-bit lane value x (four nibbles n0..n3 of a row) and
     * the multipliers of each byte pair of three activation blocks (random, +-127 alternating, random),
     * x m0 + (x >>> 4) m1 + (x >>> 8) m2 + (x >>> 12) m3 equals n0 qy[k] + n1 qy[k + 16] + n2 qy[k + 1] +
     * n3 qy[k + 17] modulo 2^16. Catches a multiplier derived with the wrong correction or read from the wrong code.
     */
    @Test
    void q4_0MultipliersGiveEachNibbleItsActivationModulo2To16() {
        Q8Activations a = threeBlocksWithExtremesBetween(11);
        short[] m = Int8Decode.q4_0Multipliers(a);
        assertThat(m).hasSize(3 * 32);
        for (int i = 0; i < 3; i++) {
            for (int kp = 0; kp < 8; kp++) {
                int k = i * 32 + 2 * kp, o = (i * 8 + kp) * 4;
                int[] y = {a.q(0, k), a.q(0, k + 16), a.q(0, k + 1), a.q(0, k + 17)};
                for (int v = 0; v < 65536; v++) {
                    short expected = (short) ((v & 15) * y[0] + (v >> 4 & 15) * y[1] + (v >> 8 & 15) * y[2] + (v >> 12) * y[3]);
                    short got = (short) (v * m[o] + (v >>> 4) * m[o + 1] + (v >>> 8) * m[o + 2] + (v >>> 12) * m[o + 3]);
                    if (got != expected) assertThat(got).as("block %d, pair %d, lane %04x", i, kp, v).isEqualTo(expected);
                }
            }
        }
        assertThat(new int[]{a.q(0, 32), a.q(0, 33)}).containsExactly(127, -127);
    }

    /**
     * The Q8_0 group kernel's identity, on its own: for every 16-bit lane value x (code k + 128 unsigned in the low
     * byte, code k + 1 signed in the high one) and the per-step values of three activation blocks (random, +-127
     * alternating, random), x m0 + (x >> 8) m1 + c equals q[k] qy[k] + q[k + 1] qy[k + 1] modulo 2^16, in both
     * halves of the 32-bit pairs, and the low half's constant carries the widening bias 32768. Catches a multiplier
     * with the wrong correction, a constant without the bias or with it in the high half, and a step read from the
     * wrong codes.
     */
    @Test
    void q8_0MultipliersGiveThePairOfProductsModulo2To16() {
        Q8Activations a = threeBlocksWithExtremesBetween(12);
        int[] m = Int8Decode.q8_0Multipliers(a);
        assertThat(m).hasSize(3 * 16 * 3);
        for (int s = 0; s < 48; s++) {
            int y0 = a.q(0, 2 * s), y1 = a.q(0, 2 * s + 1);
            for (int half = 0; half < 2; half++) {
                short m0 = (short) (m[3 * s] >> 16 * half), m1 = (short) (m[3 * s + 1] >> 16 * half);
                short c = (short) ((m[3 * s + 2] >> 16 * half) - (half == 0 ? 32768 : 0));
                for (int v = 0; v < 65536; v++) {
                    short lane = (short) v;
                    short expected = (short) (((v & 0xFF) - 128) * y0 + (lane >> 8) * y1);
                    short got = (short) (lane * m0 + (lane >> 8) * m1 + c);
                    if (got != expected) assertThat(got).as("step %d, half %d, lane %04x", s, half, v).isEqualTo(expected);
                }
            }
        }
        assertThat(new int[]{a.q(0, 32), a.q(0, 33)}).containsExactly(127, -127);
    }

    /**
     * A decode chunk of an int8 tensor holds whole groups (at 512 bits a group is 32 rows, more than the 16 of a
     * float chunk of 2048 columns): the rows of a chunk outside whole groups would go through the row kernel.
     */
    @Test
    void decodeChunksHoldWholeGroups() {
        Random r = new Random(4);
        for (int cols : new int[]{256, 768, 2048, 8192}) {
            StoredTensor t = randomTensor("Q8_0", 64, cols, r);
            int chunk = Int8KernelTensor.over(t).matvecChunkRows(64);
            assertThat(chunk % Int8Decode.GROUP).as("%d columns: %d rows", cols, chunk).isZero();
            assertThat(chunk).isGreaterThanOrEqualTo(t.matvecChunkRows(64));
        }
    }

    /**
     * The packed copy is made only within its budget (otherwise the row kernel serves every row): its size is the
     * rows of whole groups times (codes + scales + an f32 d) per block: 2 x group x 3 x 20 bytes for 2 groups + 3
     * Q4_0 rows of three blocks, the last three rows left out. A group is one row per 16-bit lane of the vector
     * width: 8, 16 or 32 rows.
     */
    @Test
    void thePackedCopyKeepsToItsBudget() {
        assertThat(Int8Decode.GROUP).isEqualTo(VectorMath.S.vectorBitSize() / 16);
        int group = Int8Decode.GROUP;
        StoredTensor t = randomTensor("Q4_0", 2 * group + 3, 96, new Random(2));
        long[] rows = new long[2 * group + 3];
        for (int r = 0; r < rows.length; r++) rows[r] = r;
        long size = 2L * group * 3 * 20;
        assertThat(Int8Decode.pack(t, rows, size - 1)).isNull();
        Int8Decode.Packed p = Int8Decode.pack(t, rows, size);
        assertThat(p).isNotNull();
        assertThat(p.groups).isEqualTo(2);
        assertThat(p.codes.length + 4L * p.d.length).isEqualTo(size);
    }

    /**
     * Q6_K multiplies in 16-bit lanes and packs two groups into one vector by a half swap: odd row counts (3, 8, 29,
     * 67), three super-blocks, one decoded position and a prefill of three, at 1, 2 and 3 threads, every output equal
     * to the generic C dot. Every third row has the lowest codes (q - 32 = -32) with scales -128, every third the
     * highest (31) with scales 127, against activations at +-127: any sum of more than two products kept in 16 bits
     * would overflow there (16 x 32 x 127 > 2^15). Also catches a group's sums put in the other group's lanes, a scale
     * from the wrong group or read unsigned, and a float step fused or in another order.
     */
    @Test
    void q6_KEqualsTheGenericCDotAtTheExtremesAndEveryThreadCount() {
        for (int rows : new int[]{3, 8, 29, 67}) {
            Random r = new Random(rows);
            int blocks = 3, cols = blocks * 256;
            byte[] w = randomTensor("Q6_K", rows, cols, r).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            for (int row = 0; row < rows; row++) {
                int kind = row % 3; // 0: lowest codes and scales, 1: highest, 2: random
                for (int b = 0; kind < 2 && b < blocks; b++) {
                    int at = (row * blocks + b) * 210;
                    java.util.Arrays.fill(w, at, at + 192, kind == 0 ? (byte) 0 : (byte) 0xFF);
                    java.util.Arrays.fill(w, at + 192, at + 208, kind == 0 ? (byte) -128 : (byte) 127);
                }
            }
            Tensor fast = Int8KernelTensor.over(StoredTensor.of(GgmlType.Q6_K, "w", rows, cols, MemorySegment.ofArray(w)));
            int n = 4; // position 0 alone (decode), then positions 1-3 in one call (prefill)
            float[] x = new float[n * cols];
            // Q8_K's scale is -max / 127, so a positive maximum gives q = -127: position 0 alternates -127, 127,
            // position 1 is -127 throughout (its first super-block's maximum +1, the others' -1)
            for (int c = 0; c < cols; c++) x[c] = c % 2 == 0 ? 1f : -1f;
            for (int c = 0; c < cols; c++) x[cols + c] = c < 256 ? 1f : -1f;
            System.arraycopy(activations(2, cols, r), 0, x, 2 * cols, 2 * cols);
            Q8Activations a = Q8Activations.quantize(Q8Activations.Format.Q8_K, x, n, cols);
            assertThat(new int[]{a.q(0, 0), a.q(0, 1), a.q(1, 0), a.q(1, 256)}).containsExactly(-127, 127, -127, -127);
            for (int threads = 1; threads <= 3; threads++) {
                float[] decoded = run(fast, java.util.Arrays.copyOf(x, cols), 1, rows, threads);
                float[] prefill = run(fast, java.util.Arrays.copyOfRange(x, cols, n * cols), n - 1, rows, threads);
                for (int row = 0; row < rows; row++) {
                    assertThat(decoded[row]).as("%d rows, row %d, %d threads", rows, row, threads).isEqualTo(reference("Q6_K", w, row, blocks, a, 0));
                    for (int p = 1; p < n; p++) {
                        assertThat(prefill[(p - 1) * rows + row]).as("%d rows, row %d, position %d", rows, row, p).isEqualTo(reference("Q6_K", w, row, blocks, a, p));
                    }
                }
            }
        }
    }

    private static float[] run(Tensor t, float[] x, int n, int rows, int threads) {
        int before = Parallel.threads();
        Parallel.useThreads(threads);
        try {
            float[] out = new float[n * rows];
            t.matmul(x, n, out);
            return out;
        } finally {
            Parallel.useThreads(before);
        }
    }

    // ---- the scalar transcription of ggml-cpu-quants.c's generic paths ---------------------------------------------

    static float reference(String type, byte[] w, int row, int blocks, Q8Activations a, int p) {
        return switch (type) {
            case "Q8_0" -> refQ8_0(w, row * blocks * 34, blocks, a, p);
            case "Q4_0" -> refQ4_0(w, row * blocks * 18, blocks, a, p);
            case "Q4_1" -> refQ4_1(w, row * blocks * 20, blocks, a, p);
            case "Q4_K" -> refQ45_K(w, row * blocks * 144, blocks, false, a, p);
            case "Q5_K" -> refQ45_K(w, row * blocks * 176, blocks, true, a, p);
            case "Q6_K" -> refQ6_K(w, row * blocks * 210, blocks, a, p);
            default -> throw new IllegalArgumentException(type);
        };
    }

    private static float fp16(byte[] w, int at) {
        return Float.float16ToFloat((short) ((w[at] & 0xFF) | (w[at + 1] << 8)));
    }

    private static int y(Q8Activations a, int p, int k) {
        return a.qs[p * a.cols + k];
    }

    private static float refQ8_0(byte[] w, int at, int nb, Q8Activations a, int p) {
        float sumf = 0;
        for (int ib = 0; ib < nb; ++ib) {
            int x = at + ib * 34, sumi = 0;
            for (int j = 0; j < 32; j++) sumi += w[x + 2 + j] * y(a, p, ib * 32 + j);
            sumf += sumi * (fp16(w, x) * a.d[p * a.blocks + ib]);
        }
        return sumf;
    }

    private static float refQ4_0(byte[] w, int at, int nb, Q8Activations a, int p) {
        float sumf = 0;
        for (int ib = 0; ib < nb; ++ib) {
            int x = at + ib * 18, sumi0 = 0, sumi1 = 0;
            for (int j = 0; j < 16; ++j) {
                int v0 = (w[x + 2 + j] & 0x0F) - 8, v1 = ((w[x + 2 + j] & 0xFF) >> 4) - 8;
                sumi0 += v0 * y(a, p, ib * 32 + j);
                sumi1 += v1 * y(a, p, ib * 32 + j + 16);
            }
            int sumi = sumi0 + sumi1;
            sumf += sumi * fp16(w, x) * a.d[p * a.blocks + ib];
        }
        return sumf;
    }

    private static float refQ4_1(byte[] w, int at, int nb, Q8Activations a, int p) {
        float sumf = 0;
        for (int ib = 0; ib < nb; ++ib) {
            int x = at + ib * 20, sumi0 = 0, sumi1 = 0;
            for (int j = 0; j < 16; ++j) {
                int v0 = w[x + 4 + j] & 0x0F, v1 = (w[x + 4 + j] & 0xFF) >> 4;
                sumi0 += v0 * y(a, p, ib * 32 + j);
                sumi1 += v1 * y(a, p, ib * 32 + j + 16);
            }
            int sumi = sumi0 + sumi1;
            int blk = p * a.blocks + ib;
            sumf += (fp16(w, x) * a.d[blk]) * sumi + fp16(w, x + 2) * a.s[blk];
        }
        return sumf;
    }

    private static float refQ45_K(byte[] w, int at, int nb, boolean five, Q8Activations a, int p) {
        int bytes = five ? 176 : 144;
        float[] sums = new float[8];
        float sumf = 0;
        for (int i = 0; i < nb; ++i) {
            int x = at + i * bytes, qs = x + (five ? 48 : 16);
            int[] aux8 = new int[256], aux32 = new int[8];
            int ai = 0, m = 1;
            for (int j = 0; j < 4; ++j) {
                for (int l = 0; l < 32; ++l) aux8[ai + l] = w[qs + 32 * j + l] & 0xF;
                if (five) for (int l = 0; l < 32; ++l) aux8[ai + l] += (w[x + 16 + l] & m) != 0 ? 16 : 0;
                ai += 32;
                m <<= 1;
                for (int l = 0; l < 32; ++l) aux8[ai + l] = (w[qs + 32 * j + l] & 0xFF) >> 4;
                if (five) for (int l = 0; l < 32; ++l) aux8[ai + l] += (w[x + 16 + l] & m) != 0 ? 16 : 0;
                ai += 32;
                m <<= 1;
            }
            int[] utmp = new int[4];
            for (int k = 0; k < 3; k++) utmp[k] = ByteBuffer.wrap(w, x + 4 + 4 * k, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            int kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
            utmp[3] = ((utmp[2] >>> 4) & kmask2) | (((utmp[1] >>> 6) & kmask3) << 4);
            int uaux = utmp[1] & kmask1;
            utmp[1] = (utmp[2] & kmask2) | (((utmp[0] >>> 6) & kmask3) << 4);
            utmp[2] = uaux;
            utmp[0] &= kmask1;
            int[] scales = new int[8], mins = new int[8];
            for (int k = 0; k < 8; k++) {
                scales[k] = (utmp[k / 4] >>> (8 * (k % 4))) & 0xFF;
                mins[k] = (utmp[2 + k / 4] >>> (8 * (k % 4))) & 0xFF;
            }
            int blk = p * a.blocks + i, sumi = 0;
            for (int j = 0; j < 16; ++j) sumi += a.bsums[blk * 16 + j] * mins[j / 2];
            for (int j = 0, k = 0; j < 8; ++j) {
                for (int e = 0; e < 32; ++e, ++k) aux32[e % 8] += scales[j] * (y(a, p, i * 256 + k) * aux8[k]);
            }
            float d = fp16(w, x) * a.d[blk];
            for (int l = 0; l < 8; ++l) sums[l] += d * aux32[l];
            float dmin = fp16(w, x + 2) * a.d[blk];
            sumf -= dmin * sumi;
        }
        for (int l = 0; l < 8; ++l) sumf += sums[l];
        return sumf;
    }

    private static float refQ6_K(byte[] w, int at, int nb, Q8Activations a, int p) {
        float[] sums = new float[8];
        for (int i = 0; i < nb; ++i) {
            int x = at + i * 210;
            int[] aux8 = new int[256], aux32 = new int[8];
            for (int j = 0, ql = x, qh = x + 128, o = 0; j < 256; j += 128, ql += 64, qh += 32, o += 128) {
                for (int l = 0; l < 32; ++l) {
                    int h = w[qh + l] & 0xFF;
                    aux8[o + l] = ((w[ql + l] & 0xF) | (((h >> 0) & 3) << 4)) - 32;
                    aux8[o + l + 32] = ((w[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    aux8[o + l + 64] = (((w[ql + l] & 0xFF) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    aux8[o + l + 96] = (((w[ql + l + 32] & 0xFF) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                }
            }
            for (int j = 0, k = 0; j < 16; ++j) {
                int scale = w[x + 192 + j];
                for (int e = 0; e < 16; ++e, ++k) aux32[e % 8] += scale * (y(a, p, i * 256 + k) * aux8[k]);
            }
            float d = fp16(w, x + 208) * a.d[p * a.blocks + i];
            for (int l = 0; l < 8; ++l) sums[l] += d * aux32[l];
        }
        float sumf = 0;
        for (int l = 0; l < 8; ++l) sumf += sums[l];
        return sumf;
    }

    // ---- random blocks ---------------------------------------------------------------------------------------------

    static int block(String type) {
        return type.endsWith("_K") ? 256 : 32;
    }

    /** Random quantized bytes with small positive f16 scales (and minimums) in every block. */
    static StoredTensor randomTensor(String type, int rows, int cols, Random r) {
        int bytes = switch (type) {
            case "Q8_0" -> 34;
            case "Q4_0" -> 18;
            case "Q4_1" -> 20;
            case "Q4_K" -> 144;
            case "Q5_K" -> 176;
            case "Q6_K" -> 210;
            default -> throw new IllegalArgumentException(type);
        };
        int blocks = rows * cols / block(type);
        byte[] data = new byte[blocks * bytes];
        r.nextBytes(data);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            int at = i * bytes;
            short d = Float.floatToFloat16(0.001f + 0.01f * r.nextFloat()), m = Float.floatToFloat16(0.002f * r.nextFloat());
            switch (type) {
                case "Q6_K" -> b.putShort(at + 208, d);
                case "Q8_0", "Q4_0" -> b.putShort(at, d);
                default -> b.putShort(at, d).putShort(at + 2, m);
            }
        }
        MemorySegment seg = MemorySegment.ofArray(data);
        return (StoredTensor) StoredTensor.of(ggmlType(type), "w", rows, cols, seg);
    }

    private static int ggmlType(String type) {
        return switch (type) {
            case "Q8_0" -> GgmlType.Q8_0;
            case "Q4_0" -> GgmlType.Q4_0;
            case "Q4_1" -> GgmlType.Q4_1;
            case "Q4_K" -> GgmlType.Q4_K;
            case "Q5_K" -> GgmlType.Q5_K;
            default -> GgmlType.Q6_K;
        };
    }

    /** Gaussian activations with one large outlier per row (the case 8-bit blocks must survive). */
    static float[] activations(int n, int cols, Random r) {
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int p = 0; p < n; p++) x[p * cols + r.nextInt(cols)] = 40f;
        return x;
    }
}
