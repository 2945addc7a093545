package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The input rows of one matrix product quantized to 8 bits per block, as llama.cpp quantizes the activations it
 * multiplies quantized weights against (ggml-quants.c, the reference quantizers):
 * <ul>
 *   <li>{@link Format#Q8_0} (for Q8_0 and Q4_0 weights, {@code quantize_row_q8_0_ref}): blocks of 32,
 *       d = amax / 127, q = roundf(x / d) (halves away from zero), d kept as f16;</li>
 *   <li>{@link Format#Q8_1} (for Q4_1, {@code quantize_row_q8_1_ref}): as Q8_0 plus s = f16(d * sum(q)), the
 *       block sum that meets Q4_1's minimum;</li>
 *   <li>{@link Format#Q8_K} (for the K-quants, {@code quantize_row_q8_K_ref}): blocks of 256, iscale = -127 / max
 *       where max is the signed value of largest magnitude, q = min(127, nearest_int(iscale * x)) (halves to
 *       even), d = 1 / iscale kept as f32, and the sum of every 16 q.</li>
 * </ul>
 * Position p's values lie at {@code qs[p * cols ..]}, its block b's scale at {@code d[p * blocks + b]}.
 *
 * <p>{@link Rounding#X86} is the AVX2/AVX quantizer llama.cpp's x86 builds run for Q8_0 and Q8_1 rows
 * ({@code quantize_row_q8_0}/{@code _q8_1} in ggml-cpu-quants.c): {@code id = 127 / amax} (not 1 / (amax / 127),
 * which can differ in the last bit) and halves rounded to even; the scale d = amax / 127 is the same. Q8_K rows
 * are the reference on x86 too.
 */
public final class Q8Activations {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    /** Bytes of as many lanes as S (64 bits at least: a 128-bit S fills half of them, hence the mask). */
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_64.length() >= L ? ByteVector.SPECIES_64 : ByteVector.SPECIES_128;
    private static final VectorMask<Byte> FIRST_L_BYTES = BYTES.indexInRange(0, L);
    /** Blocks per chunk of the threads' share of one call: about the blocks of two rows of 2048. */
    private static final int QUANTIZE_GRAIN = 128;

    public enum Format {
        Q8_0(32), Q8_1(32), Q8_K(256);

        final int block;

        Format(int block) {
            this.block = block;
        }
    }

    /** How Q8_0/Q8_1 rows round: llama.cpp's reference C quantizer, or its x86 vector one. */
    public enum Rounding {
        REFERENCE, X86
    }

    final Format format;
    final int n, cols, blocks;
    final byte[] qs;
    /** The scale of each block (Q8_0/Q8_1: the f16 value widened; Q8_K: f32). */
    final float[] d;
    /** Q8_1: f16(d * sum of the block's q), widened; null otherwise. */
    final float[] s;
    /** Q8_K: the sum of each 16 consecutive q; null otherwise. */
    final int[] bsums;
    /** Q8_0/Q8_1: the sum of each block's q (the offset term of unsigned weight codes); null otherwise. */
    final int[] qsum;
    /**
     * {@link #qs} widened to floats (exact): written by the quantizer for Q8_0/Q8_1 rows, made on first use by
     * {@link #values()} for Q8_K.
     */
    private volatile float[] values;
    /** {@link #qs} widened to shorts, made on first use by {@link #shorts()}. */
    private volatile short[] shorts;

    private Q8Activations(Format format, int n, int cols) {
        this.format = format;
        this.n = n;
        this.cols = cols;
        this.blocks = cols / format.block;
        this.qs = new byte[n * cols];
        this.d = new float[n * blocks];
        this.s = format == Format.Q8_1 ? new float[n * blocks] : null;
        this.bsums = format == Format.Q8_K ? new int[n * cols / 16] : null;
        this.qsum = format == Format.Q8_K ? null : new int[n * blocks];
        this.values = format == Format.Q8_K ? null : new float[n * cols];
    }

    /** Quantizes x[p * cols .. (p + 1) * cols) for p in [0, n); cols must be a multiple of the format's block. */
    public static Q8Activations quantize(Format format, float[] x, int n, int cols) {
        return quantize(format, Rounding.REFERENCE, x, n, cols);
    }

    /** As {@link #quantize(Format, float[], int, int)}, Q8_0/Q8_1 rows rounded as {@code rounding} says. */
    public static Q8Activations quantize(Format format, Rounding rounding, float[] x, int n, int cols) {
        if (cols % format.block != 0) {
            throw new IllegalArgumentException(cols + " columns are not a multiple of the " + format + " block of " + format.block);
        }
        Q8Activations a = new Q8Activations(format, n, cols);
        boolean x86 = rounding == Rounding.X86;
        // blocks are independent: the kernel threads share a prefill's rows (a decode row is too short to split)
        Parallel.forRange(n * a.blocks, QUANTIZE_GRAIN, (from, to) -> {
            for (int b = from; b < to; b++) {
                if (format == Format.Q8_K) a.quantizeK(x, b);
                else a.quantize32(x, b, x86);
            }
        });
        return a;
    }

    /**
     * The quantized values as floats, for the row kernels that multiply in float lanes: widened once per call
     * instead of once per weight row. Threads that race here each build the same array; the volatile field
     * publishes a whole one.
     */
    float[] values() {
        float[] v = values;
        if (v == null) {
            v = new float[qs.length];
            for (int i = 0; i < v.length; i++) v[i] = qs[i];
            values = v;
        }
        return v;
    }

    /** The quantized values as shorts, for the kernels that multiply in 16-bit lanes; as {@link #values()}. */
    short[] shorts() {
        short[] v = shorts;
        if (v == null) {
            v = new short[qs.length];
            for (int i = 0; i < v.length; i++) v[i] = qs[i];
            shorts = v;
        }
        return v;
    }

    public Format format() {
        return format;
    }

    /** The quantized value of position p, column c (for tests and diagnostics). */
    public int q(int p, int c) {
        return qs[p * cols + c];
    }

    /** The scale of the block holding column c of position p, as the dot products use it. */
    public float scale(int p, int c) {
        return d[p * blocks + c / format.block];
    }

    /**
     * One 32-value block in vector lanes: the maximum is exact in any order, and each lane rounds x * id as the
     * scalar code does (C's roundf or rint), so the bits are those of the reference loop at every vector width.
     */
    private void quantize32(float[] x, int b, boolean x86) {
        int at = b * 32;
        float[] vals = values;
        FloatVector amaxes = FloatVector.zero(S);
        for (int j = 0; j < 32; j += L) amaxes = amaxes.max(FloatVector.fromArray(S, x, at + j).abs());
        float amax = amaxes.reduceLanes(VectorOperators.MAX);
        float scale = amax / 127f;
        float id = x86 ? (amax != 0f ? 127f / amax : 0f) : (scale != 0f ? 1f / scale : 0f);
        FloatVector sums = FloatVector.zero(S);
        for (int j = 0; j < 32; j += L) {
            FloatVector q = rounded(FloatVector.fromArray(S, x, at + j).mul(id), x86);
            q.intoArray(vals, at + j);
            ((ByteVector) q.convertShape(VectorOperators.F2B, BYTES, 0)).intoArray(qs, at + j, FIRST_L_BYTES);
            sums = sums.add(q);
        }
        int sum = (int) sums.reduceLanes(VectorOperators.ADD); // whole numbers of magnitude below 2^13: exact in any order
        d[b] = f16Rounded(scale);
        qsum[b] = sum;
        if (s != null) s[b] = f16Rounded(sum * scale);
    }

    /**
     * v rounded to an integer: halves away from zero (roundf) or to even (rint); +0 for every value that rounds to
     * zero, as widening the stored byte gives. |v| is at most 127 and a bit, so the truncated integer part and the
     * fraction |v| - t are exact in float.
     */
    private static FloatVector rounded(FloatVector v, boolean toEven) {
        FloatVector a = v.abs();
        FloatVector t = (FloatVector) a.convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0);
        FloatVector frac = a.sub(t);
        VectorMask<Float> up = toEven
                ? frac.compare(VectorOperators.GT, 0.5f).or(frac.compare(VectorOperators.EQ, 0.5f).and(odd(t)))
                : frac.compare(VectorOperators.GE, 0.5f);
        FloatVector r = t.add(1f, up);
        return r.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f).and(r.compare(VectorOperators.GT, 0f)));
    }

    /** The lanes of t (whole numbers below 2^24) that are odd. */
    private static VectorMask<Float> odd(FloatVector t) {
        FloatVector half = (FloatVector) t.mul(0.5f).convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0);
        return half.mul(2f).compare(VectorOperators.NE, t);
    }

    private void quantizeK(float[] x, int b) {
        int at = b * 256;
        float max = 0f, amax = 0f;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[at + j]);
            if (ax > amax) {
                amax = ax;
                max = x[at + j];
            }
        }
        if (amax == 0f) return; // d = 0, q = 0, sums = 0
        float iscale = -127f / max;
        for (int j = 0; j < 256; j++) qs[at + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[at + j]));
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) sum += qs[at + 16 * g + j];
            bsums[b * 16 + g] = sum;
        }
        d[b] = 1f / iscale;
    }

    private static float f16Rounded(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }
}
