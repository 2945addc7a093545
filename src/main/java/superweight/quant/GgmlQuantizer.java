package superweight.quant;

import superweight.model.tensor.GgmlType;

/**
 * Round-to-nearest quantization into ggml's block formats, following llama.cpp's reference quantizers
 * ({@code quantize_row_*_ref} in ggml-quants.c, the path {@code llama-quantize} takes without an importance
 * matrix), re-implemented from their description:
 * <ul>
 *   <li>Q8_0 (32 values: f16 d = amax/127, codes round(x/d), rounding half away from zero like C's {@code roundf}),</li>
 *   <li>Q4_0 (d = signed max / -8, codes trunc(x/d + 8.5) capped at 15),</li>
 *   <li>Q4_1 (d = (max-min)/15, m = min, codes trunc((x-m)/d + 0.5) capped at 15),</li>
 *   <li>Q4_K, Q5_K, Q6_K: see {@link KQuantizer}.</li>
 * </ul>
 * Every step is float32 arithmetic in llama.cpp's order, and f16 conversion rounds to nearest even, so blocks are
 * byte-identical to a llama.cpp build that does not contract a*b+c into fused multiply-adds (see docs/export.md).
 */
public final class GgmlQuantizer {
    private GgmlQuantizer() {
    }

    /** The ggml types this class writes. */
    public static boolean writable(int type) {
        return type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || type == GgmlType.Q4_1
                || type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K;
    }

    /** Quantizes x[off .. off+n) (n a multiple of the type's block size) into dst from dstOff. */
    public static void quantize(int type, float[] x, int off, int n, byte[] dst, int dstOff) {
        int bs = GgmlType.blockSize(type);
        if (n % bs != 0) throw new IllegalArgumentException(n + " values: not a multiple of the " + GgmlType.name(type) + " block size " + bs);
        int bb = GgmlType.blockBytes(type);
        for (int b = 0; b < n / bs; b++) {
            int xo = off + b * bs, d = dstOff + b * bb;
            switch (type) {
                case GgmlType.Q8_0 -> q8_0Block(x, xo, dst, d);
                case GgmlType.Q4_0 -> q4_0Block(x, xo, dst, d);
                case GgmlType.Q4_1 -> q4_1Block(x, xo, dst, d);
                case GgmlType.Q4_K -> KQuantizer.q4_KBlock(x, xo, dst, d);
                case GgmlType.Q5_K -> KQuantizer.q5_KBlock(x, xo, dst, d);
                case GgmlType.Q6_K -> KQuantizer.q6_KBlock(x, xo, dst, d);
                default -> throw new IllegalArgumentException("cannot quantize to " + GgmlType.name(type));
            }
        }
    }

    /** The whole array quantized into a new byte array. */
    public static byte[] quantize(int type, float[] x) {
        int bs = GgmlType.blockSize(type);
        if (x.length % bs != 0) {
            throw new IllegalArgumentException(x.length + " values: not a multiple of the " + GgmlType.name(type) + " block size " + bs);
        }
        byte[] out = new byte[x.length / bs * GgmlType.blockBytes(type)];
        quantize(type, x, 0, x.length, out, 0);
        return out;
    }

    public static byte[] q8_0(float[] x) {
        return quantize(GgmlType.Q8_0, x);
    }

    public static byte[] q4_0(float[] x) {
        return quantize(GgmlType.Q4_0, x);
    }

    public static byte[] q4_1(float[] x) {
        return quantize(GgmlType.Q4_1, x);
    }

    private static void q8_0Block(float[] x, int s, byte[] out, int o) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[s + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        putF16(out, o, d);
        for (int j = 0; j < 32; j++) out[o + 2 + j] = (byte) roundHalfAwayFromZero(x[s + j] * id);
    }

    private static void q4_0Block(float[] x, int s, byte[] out, int o) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            if (amax < Math.abs(x[s + j])) {
                amax = Math.abs(x[s + j]);
                max = x[s + j];
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        putF16(out, o, d);
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[s + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[s + j + 16] * id + 8.5f));
            out[o + 2 + j] = (byte) (lo | (hi << 4));
        }
    }

    private static void q4_1Block(float[] x, int s, byte[] out, int o) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            if (x[s + j] < min) min = x[s + j];
            if (x[s + j] > max) max = x[s + j];
        }
        float d = (max - min) / 15f;
        float id = d != 0 ? 1f / d : 0f;
        putF16(out, o, d);
        putF16(out, o + 2, min);
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) ((x[s + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) ((x[s + j + 16] - min) * id + 0.5f));
            out[o + 4 + j] = (byte) (lo | (hi << 4));
        }
    }

    /** C's roundf: the nearest integer, halves away from zero (Math.round would send -2.5 to -2). */
    static int roundHalfAwayFromZero(float v) {
        int r = Math.round(Math.abs(v));
        return v < 0 ? -r : r;
    }

    static void putF16(byte[] out, int o, float v) {
        short h = Float.floatToFloat16(v);
        out[o] = (byte) h;
        out[o + 1] = (byte) (h >>> 8);
    }

    static float f16(byte[] b, int o) {
        return Float.float16ToFloat((short) ((b[o] & 0xFF) | (b[o + 1] << 8)));
    }
}
