package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Q8_0/Q8_1 quantizer runs in vector lanes; here it is compared, bit for bit, with the scalar loop of llama.cpp's
 * quantizers written out below (reference: {@code roundf(x * (1 / d))}; x86: {@code rint(x * (127 / amax))}), on
 * rows built to land x * id on halves (odd and even neighbours, both signs), on zeros and negative zeros, on
 * blocks whose values round to -0, and on random rows, over several positions and blocks so that the last block of
 * the call is also checked. Surefire runs it at 128, 256 and 512 bits.
 */
class Q8ActivationsLanesTest {
    @Test
    void laneQuantizerEqualsTheScalarLoopOnHalvesZerosAndRandomRows() {
        int n = 7, cols = 96;
        float[] x = rows(n, cols, new Random(11));
        for (Q8Activations.Format f : new Q8Activations.Format[]{Q8Activations.Format.Q8_0, Q8Activations.Format.Q8_1}) {
            for (Q8Activations.Rounding r : Q8Activations.Rounding.values()) {
                Q8Activations a = Q8Activations.quantize(f, r, x, n, cols);
                float[] values = a.values();
                for (int b = 0; b < n * cols / 32; b++) {
                    int[] q = new int[32];
                    float[] ds = scalar(x, b, r == Q8Activations.Rounding.X86, q);
                    int sum = 0;
                    for (int j = 0; j < 32; j++) {
                        int at = b * 32 + j;
                        assertThat(a.qs[at]).as("%s %s value %d", f, r, at).isEqualTo((byte) q[j]);
                        // +0 where the byte is 0 (a -0 would be another float for the kernels that read these)
                        assertThat(Float.floatToRawIntBits(values[at])).as("%s %s value %d as float", f, r, at).isEqualTo(Float.floatToRawIntBits((float) q[j]));
                        sum += q[j];
                    }
                    assertThat(a.d[b]).isEqualTo(ds[0]);
                    assertThat(a.qsum[b]).isEqualTo(sum);
                    if (f == Q8Activations.Format.Q8_1) assertThat(a.s[b]).isEqualTo(ds[1]);
                }
            }
        }
    }

    /**
     * A prefill's rows are quantized on the kernel threads in chunks of blocks: every block of a call long enough to
     * be split (330 blocks) comes out the same at 1, 2 and 3 threads, for each format, the last block included.
     */
    @Test
    void threadsSplitTheBlocksWithoutChangingThem() {
        int n = 33, cols = 320;
        float[] x = new float[n * cols];
        Random rnd = new Random(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        int before = Parallel.threads();
        try {
            for (Q8Activations.Format f : new Q8Activations.Format[]{Q8Activations.Format.Q8_0, Q8Activations.Format.Q8_1}) {
                Parallel.useThreads(1);
                Q8Activations one = Q8Activations.quantize(f, x, n, cols);
                for (int t : new int[]{2, 3}) {
                    Parallel.useThreads(t);
                    Q8Activations split = Q8Activations.quantize(f, x, n, cols);
                    assertThat(split.qs).as("%s at %d threads", f, t).isEqualTo(one.qs);
                    assertThat(split.d).isEqualTo(one.d);
                    assertThat(split.qsum).isEqualTo(one.qsum);
                    assertThat(split.values()).isEqualTo(one.values());
                    if (f == Q8Activations.Format.Q8_1) assertThat(split.s).isEqualTo(one.s);
                }
                assertThat(one.qsum[n * cols / 32 - 1]).isNotZero(); // the last block was written
            }
        } finally {
            Parallel.useThreads(before);
        }
    }

    /** Block 0 of each row: halves of x * id; block 1: zeros, -0 and values that round to -0; block 2: random. */
    private static float[] rows(int n, int cols, Random rnd) {
        float[] x = new float[n * cols];
        for (int p = 0; p < n; p++) {
            int o = p * cols;
            // amax 127 gives id = 1 in both quantizers, so x * id is x: halves with odd and even integer parts
            x[o] = p % 2 == 0 ? 127f : -127f;
            for (int j = 1; j < 32; j++) x[o + j] = (j % 2 == 0 ? -1 : 1) * (j / 2 + 0.5f + (p == 3 ? 0.25f : 0f));
            x[o + 32] = 100f;
            x[o + 33] = -0f;
            for (int j = 34; j < 64; j++) x[o + j] = -(j - 34) * 0.01f; // -0.0 .. -0.29 rounds to -0 in float
            for (int j = 64; j < 96; j++) x[o + j] = (float) (rnd.nextGaussian() * (1 + p));
        }
        return x;
    }

    /** The scalar quantizer of one block: q into {@code q}; returns {d, s} as the f16-rounded floats. */
    private static float[] scalar(float[] x, int b, boolean x86, int[] q) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]));
        float d = amax / 127f;
        float id = x86 ? (amax != 0f ? 127f / amax : 0f) : (d != 0f ? 1f / d : 0f);
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[b * 32 + j] * id;
            q[j] = x86 ? (int) Math.rint(v) : (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
            sum += q[j];
        }
        return new float[]{f16(d), f16(sum * d)};
    }

    private static float f16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
