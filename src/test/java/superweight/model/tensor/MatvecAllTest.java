package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Tensor#matvecAll}, the one-range product of several tensors with the same input (q, k, v; gate, up), gives
 * every output the bits of that tensor's own {@link Tensor#matvec}, at 1, 2 and 3 threads, on row counts that are
 * not multiples of the chunk, the 16-row grain or the 8-row int8 groups, so chunks straddle the tensor boundaries.
 * A chunk mapped to the wrong tensor or offset, rows skipped at a boundary, or one quantized activation row shared
 * between int8 tensors of different formats (Q8_0's blocks of 32 and Q6_K's Q8_K blocks of 256) would show here.
 */
class MatvecAllTest {
    private static final int COLS = 512;

    @Test
    void floatTensorsOfMixedTypesGiveTheBitsOfTheirOwnMatvec() {
        Random r = new Random(11);
        Tensor[] ts = {randomF32(37, r), Int8KernelsTest.randomTensor("Q8_0", 131, COLS, r), randomF32(5, r),
                Int8KernelsTest.randomTensor("Q4_0", 70, COLS, r)};
        assertSameAsOneByOne(ts, r);
    }

    @Test
    void int8TensorsShareOneQuantizationPerFormatAndKeepTheirBits() {
        Random r = new Random(12);
        Tensor[] ts = {Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q8_0", 67, COLS, r)),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q6_K", 29, COLS, r)),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q4_0", 141, COLS, r)),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q6_K", 3, COLS, r)),
                randomF32(19, r)};
        assertSameAsOneByOne(ts, r);
    }

    /**
     * {@link Tensor#matmulAll}, the prefill form: seven positions, int8 tensors of three activation formats and both
     * roundings between float ones, each output the bits of its own {@link Tensor#matmul}. Catches rows quantized for
     * the wrong format or rounding, or for one position only, being shared.
     */
    @Test
    void matmulAllGivesTheBitsOfEachTensorsOwnMatmul() {
        Random r = new Random(14);
        int n = 7;
        StoredTensor x86Base = Int8KernelsTest.randomTensor("Q8_0", 23, COLS, r);
        Tensor[] ts = {Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q8_0", 67, COLS, r)), randomF32(19, r),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q6_K", 29, COLS, r)),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q4_0", 41, COLS, r)),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q4_1", 33, COLS, r)),
                Int8KernelTensor.over(Int8KernelsTest.randomTensor("Q6_K", 3, COLS, r)),
                Int8KernelTensor.over(x86Base, Q8Activations.Rounding.X86)};
        float[] x = Int8KernelsTest.activations(n, COLS, r);
        // blocks whose scale is exactly 1 and that hold halves: the two roundings then give other codes
        for (int b = 0; b < n * COLS; b += 64) {
            x[b] = 127f;
            x[b + 1] = 2.5f;
            x[b + 2] = -6.5f;
        }
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.useThreads(threads);
                float[][] outs = new float[ts.length][];
                for (int i = 0; i < ts.length; i++) outs[i] = new float[n * (int) ts[i].rows()];
                Tensor.matmulAll(ts, x, n, outs);
                for (int i = 0; i < ts.length; i++) {
                    float[] expected = new float[n * (int) ts[i].rows()];
                    ts[i].matmul(x, n, expected);
                    assertThat(bits(outs[i])).as("%s at %d threads", ts[i], threads).containsExactly(bits(expected));
                }
                float[] referenceRounding = new float[n * 23];
                Int8KernelTensor.over(x86Base, Q8Activations.Rounding.REFERENCE).matmul(x, n, referenceRounding);
                assertThat(bits(outs[6])).as("the data tell the roundings apart").isNotEqualTo(bits(referenceRounding));
            }
        } finally {
            Parallel.useThreads(before);
        }
    }

    @Test
    void tensorsOfDifferentWidthsAreRefused() {
        Random r = new Random(13);
        Tensor[] ts = {randomF32(4, r), F32Tensor.of("narrow", 4, COLS - 1, new float[4 * (COLS - 1)])};
        assertThatThrownBy(() -> Tensor.matvecAll(ts, new float[COLS], new float[][]{new float[4], new float[4]}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.matmulAll(ts, new float[COLS], 1, new float[][]{new float[4], new float[4]}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertSameAsOneByOne(Tensor[] ts, Random r) {
        float[] x = Int8KernelsTest.activations(1, COLS, r);
        int before = Parallel.threads();
        try {
            Parallel.useThreads(1);
            float[][] expected = new float[ts.length][];
            for (int i = 0; i < ts.length; i++) {
                expected[i] = new float[(int) ts[i].rows()];
                ts[i].matvec(x, expected[i]);
            }
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.useThreads(threads);
                float[][] outs = new float[ts.length][];
                for (int i = 0; i < ts.length; i++) outs[i] = new float[(int) ts[i].rows()];
                Tensor.matvecAll(ts, x, outs);
                for (int i = 0; i < ts.length; i++) {
                    assertThat(bits(outs[i])).as("%s at %d threads", ts[i], threads).containsExactly(bits(expected[i]));
                }
            }
        } finally {
            Parallel.useThreads(before);
        }
    }

    private static F32Tensor randomF32(int rows, Random r) {
        float[] w = new float[rows * COLS];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return F32Tensor.of("f32", rows, COLS, w);
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
