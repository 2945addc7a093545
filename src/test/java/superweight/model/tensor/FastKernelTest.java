package superweight.model.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The fast kernels against scalar double-precision references on odd sizes, and their determinism: a result must
 * not depend on which tile, vector lane or thread computed it, nor on the other positions of the call.
 */
class FastKernelTest {
    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 13, 64, 67})
    void columnDotsMatchScalarReferenceAndDoNotDependOnTheRange(int k) {
        Random r = new Random(k);
        int stride = 101, from = 3, to = 98;
        float[] a = gaussian(r, k + 2), m = gaussian(r, (k + 1) * stride);
        float[] out = new float[stride];
        VectorMath.columnDots(a, 2, k, m, stride, stride, from, to, out, from);
        float[] single = new float[1];
        for (int j = from; j < to; j++) {
            double s = 0;
            for (int d = 0; d < k; d++) s += (double) a[2 + d] * m[stride + d * stride + j];
            assertThat(out[j]).isCloseTo((float) s, within(1e-4f * (1 + (float) Math.sqrt(k))));
            // The same column alone takes the scalar path: bit for bit the value the vector lanes produced.
            VectorMath.columnDots(a, 2, k, m, stride, stride, j, j + 1, single, 0);
            assertThat(single[0]).isEqualTo(out[j]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 37, 64, 75})
    void weightedRowSumMatchesScalarReferenceAndDoesNotDependOnTheWidth(int n) {
        Random r = new Random(n);
        int rows = 23, stride = n + 3;
        float[] p = gaussian(r, rows), m = gaussian(r, rows * stride + 5);
        float[] out = new float[n + 1];
        VectorMath.weightedRowSum(p, 2, rows, m, 5, stride, out, 1, n);
        for (int c = 0; c < n; c++) {
            double s = 0;
            for (int j = 2; j < rows; j++) s += (double) p[j] * m[5 + j * stride + c];
            assertThat(out[1 + c]).isCloseTo((float) s, within(1e-4f));
            float[] one = new float[1];
            VectorMath.weightedRowSum(p, 2, rows, m, 5 + c, stride, one, 0, 1);
            assertThat(one[0]).isEqualTo(out[1 + c]);
        }
    }

    /**
     * The four-query attention kernels against the contract's definition written out here, the in-order scalar fma
     * chain per score and per output: keys off the vector width and its double (k, range), rows at a stride, and the
     * ragged ends of weightedRowSum4 (row t sums one more term than row t - 1). A lane that sums another query's
     * row, a tail that restarts a chain, or a ragged term added to the wrong row fails bit for bit.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 64, 67})
    void fourQueryPanelDotsAreTheInOrderFmaChainOfEachQuery(int k) {
        Random r = new Random(40 + k);
        // Key counts below, at and past one block, and not a multiple of it at any width; the cache's rows a
        // context apart, the keys at an offset inside them.
        for (int count : new int[]{1, VectorMath.KEY_BLOCK - 1, VectorMath.KEY_BLOCK, 3 * VectorMath.KEY_BLOCK + 5, 127}) {
            int stride = 131, mo = 7, aStride = k + 3, po = 9;
            float[] a = gaussian(r, 1 + 4 * aStride), m = gaussian(r, mo + k * stride);
            int length = VectorMath.keyPanelLength(k, count), blocks = length / k / VectorMath.KEY_BLOCK;
            assertThat(blocks * VectorMath.KEY_BLOCK).isBetween(count, count + VectorMath.KEY_BLOCK - 1);
            float[] panel = new float[po + length];
            java.util.Arrays.fill(panel, Float.NaN); // every float of the panel is written, padding included
            VectorMath.packKeys(m, mo, stride, k, count, panel, po);
            int oStride = blocks * VectorMath.KEY_BLOCK + 2;
            float[] out = new float[3 + 4 * oStride];
            VectorMath.panelDots4(a, 1, aStride, k, panel, po, blocks, out, 3, oStride);
            for (int t = 0; t < 4; t++) {
                for (int j = 0; j < blocks * VectorMath.KEY_BLOCK; j++) {
                    float s = 0;
                    for (int d = 0; d < k; d++) s = Math.fma(j < count ? m[mo + d * stride + j] : 0f, a[1 + t * aStride + d], s);
                    assertThat(out[3 + t * oStride + j]).as("count %d query %d key %d", count, t, j).isEqualTo(s);
                }
            }
        }
    }

    /** The definition the vector softmax must equal bit for bit: scale, max, shifted exponentials, in-order double sum. */
    private static void scalarSoftmax(float[] s, int from, int to, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            s[j] *= scale;
            if (s[j] > max) max = s[j];
        }
        for (int j = from; j < to; j++) s[j] = VectorMath.exp(s[j] - max);
        double sum = 0;
        for (int j = from; j < to; j++) sum += s[j];
        float inv = (float) (1.0 / sum);
        for (int j = from; j < to; j++) s[j] *= inv;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 6, 15, 16, 40, 67})
    void softmaxOfOneRowAndOfAFourRowTileEqualTheScalarDefinition(int last0) {
        Random r = new Random(90 + last0);
        int off = 3, first = Math.min(2, last0), stride = last0 + 9;
        float[] s = new float[off + 4 * stride];
        for (int i = 0; i < s.length; i++) s[i] = (float) (6 * r.nextGaussian());
        float scale = 0.125f;
        float[] one = s.clone(), want = s.clone();
        VectorMath.softmax(one, off, first, last0, scale);
        scalarSoftmax(want, off + first, off + last0 + 1, scale);
        assertThat(one).isEqualTo(want); // also: nothing outside [first, last0] changed
        float[] tile = s.clone(), wantTile = s.clone();
        VectorMath.softmax4(tile, off, stride, last0, scale);
        for (int t = 0; t < 4; t++) scalarSoftmax(wantTile, off + t * stride, off + t * stride + last0 + t + 1, scale);
        assertThat(tile).isEqualTo(wantTile);
        double total = 0;
        for (int j = 0; j <= last0 + 3; j++) total += tile[off + 3 * stride + j];
        assertThat(total).isCloseTo(1.0, within(1e-5));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 37, 64, 75})
    void fourRowWeightedSumsAreTheInOrderFmaChainWithRaggedEnds(int n) {
        Random r = new Random(60 + n);
        int from = 3, to = 29, pStride = 40, stride = n + 5, oStride = n + 2;
        float[] p = gaussian(r, 4 * pStride), m = gaussian(r, 4 + (to + 3) * stride);
        float[] out = new float[1 + 4 * oStride];
        VectorMath.weightedRowSum4(p, pStride, from, to, m, 4, stride, out, 1, oStride, n);
        for (int t = 0; t < 4; t++) {
            for (int c = 0; c < n; c++) {
                float s = 0;
                for (int j = from; j < to + t; j++) s = Math.fma(m[4 + j * stride + c], p[t * pStride + j], s);
                assertThat(out[1 + t * oStride + c]).as("row %d channel %d", t, c).isEqualTo(s);
            }
        }
    }

    @Test
    void expIsWithinTwoTenthsOfAMillionthOfMathExp() {
        for (double x = -87; x <= 88; x += 0.01) {
            double want = Math.exp((float) x);
            assertThat((double) VectorMath.exp((float) x)).as("exp(%f)", x).isCloseTo(want, within(2e-7 * want));
        }
        assertThat(VectorMath.exp(0f)).isEqualTo(1f);
        assertThat(VectorMath.exp(Float.NEGATIVE_INFINITY)).isPositive().isLessThan(1.2e-38f); // clamped: about 2^-126
        assertThat(VectorMath.exp(1000f)).isFinite();
    }

    /** The vector lanes and the scalar tail give the same bits for the same input, wherever it falls. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 37, 64, 75})
    void expShiftedAndSiluLanesEqualTheScalarFormula(int n) {
        Random r = new Random(n);
        float[] a = new float[n + 3], gate = new float[n], up = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (20 * r.nextGaussian());
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (5 * r.nextGaussian());
            up[i] = (float) r.nextGaussian();
        }
        float[] e = a.clone(), g = gate.clone();
        VectorMath.expShifted(e, 2, n + 2, 3.5f);
        VectorMath.siluTimes(g, up, n);
        for (int i = 0; i < n; i++) {
            assertThat(e[2 + i]).isEqualTo(VectorMath.exp(a[2 + i] - 3.5f));
            assertThat(g[i]).isEqualTo(gate[i] / (VectorMath.exp(-gate[i]) + 1f) * up[i]);
            double silu = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
            assertThat((double) g[i]).isCloseTo(silu, within(1e-6 * (1 + Math.abs(silu))));
        }
        assertThat(e[0]).isEqualTo(a[0]);
        assertThat(e[n + 2]).isEqualTo(a[n + 2]);
    }

    private static Tensor q8(Random r, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(rows * cols / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < rows * cols / 32; k++) {
            b.putShort(Float.floatToFloat16(0.001f * (k % 17 + 1)));
            for (int j = 0; j < 32; j++) b.put((byte) (r.nextInt(256) - 128));
        }
        return new Q8_0Tensor("q8", rows, cols, MemorySegment.ofArray(b.array()));
    }

    private static Tensor q4(Random r, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(rows * cols / 32 * 18).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < rows * cols / 32; k++) {
            b.putShort(Float.floatToFloat16(-0.01f * (k % 13 + 1)));
            for (int j = 0; j < 16; j++) b.put((byte) r.nextInt(256));
        }
        return new Q4_0Tensor("q4", rows, cols, MemorySegment.ofArray(b.array()));
    }

    @Test
    void quantizedRowsDecodeExactlyAsTheScalarReference() {
        Random r = new Random(11);
        for (Tensor t : new Tensor[]{q8(r, 3, 96), q4(r, 3, 96)}) {
            float[] row = new float[96 + 2];
            for (int i = 0; i < 3; i++) {
                t.readRow(i, row, 2);
                for (int c = 0; c < 96; c++) assertThat(row[2 + c]).as("%s (%d,%d)", t.dtype(), i, c).isEqualTo(t.get(i, c));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 800})
    void fusedQuantizedDotMatchesScalarReference(int cols) {
        Random r = new Random(cols);
        for (Tensor t : new Tensor[]{q8(r, 5, cols), q4(r, 5, cols)}) {
            float[] x = gaussian(r, cols + 3);
            for (int i = 0; i < 5; i++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += (double) t.get(i, c) * x[3 + c];
                assertThat(t.dot(i, x, 3)).as(t.dtype()).isCloseTo((float) s, within(1e-4f * (float) Math.sqrt(cols)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "Q8_0"})
    void aPositionsProductDoesNotDependOnTheOtherPositionsOfTheCall(String type) {
        Random r = new Random(5);
        int rows = 13, cols = type.equals("F32") ? 71 : 64, n = 70;
        Tensor t = type.equals("F32") ? F32Tensor.of("w", rows, cols, gaussian(r, rows * cols)) : q8(r, rows, cols);
        float[] x = gaussian(r, n * cols), all = new float[n * rows];
        t.matmul(x, n, all);
        for (int p : new int[]{0, 4, 47, 48, 69}) {
            // Position p paired with another one lands in a different tile slot (or the edge path) than in the batch.
            float[] pair = new float[2 * cols], two = new float[2 * rows];
            System.arraycopy(x, 7 * cols, pair, 0, cols);
            System.arraycopy(x, p * cols, pair, cols, cols);
            t.matmul(pair, 2, two);
            for (int i = 0; i < rows; i++) {
                assertThat(two[rows + i]).isEqualTo(all[p * rows + i]);
                double s = 0;
                for (int c = 0; c < cols; c++) s += (double) t.get(i, c) * x[p * cols + c];
                assertThat(all[p * rows + i]).isCloseTo((float) s, within(1e-3f));
            }
        }
    }

    @Test
    void forRangeCoversEveryIndexOnceInGrainAlignedChunks() {
        for (int n : new int[]{1, 7, 64, 1001}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            Parallel.forRange(n, 4, (from, to) -> {
                assertThat(from % 4).isZero();
                for (int i = from; i < to; i++) seen.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertThat(seen.get(i)).as("index %d of %d", i, n).isEqualTo(1);
        }
    }

    @Test
    void forRangeRunsNestedRangesAndRethrowsFailures() {
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        Parallel.forRange(10, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int row = i;
                Parallel.forRange(10, 1, (a, b) -> {
                    for (int j = a; j < b; j++) seen.incrementAndGet(row * 10 + j);
                });
            }
        });
        for (int i = 0; i < 100; i++) assertThat(seen.get(i)).isEqualTo(1);
        assertThatThrownBy(() -> Parallel.forRange(1000, 1, (from, to) -> {
            if (to == 1000) throw new IllegalStateException("last chunk failed");
        })).isInstanceOf(IllegalStateException.class).hasMessage("last chunk failed");
        // The pool is usable after a failure.
        AtomicIntegerArray again = new AtomicIntegerArray(50);
        Parallel.forRange(50, 1, (from, to) -> {
            for (int i = from; i < to; i++) again.incrementAndGet(i);
        });
        for (int i = 0; i < 50; i++) assertThat(again.get(i)).isEqualTo(1);
    }
}
