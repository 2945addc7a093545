package superweight.model.format;

/**
 * Little-endian float32, float16 and bfloat16 encodings of a row of values, as GGUF and safetensors store them.
 * Both narrowings round to nearest, ties to even (IEEE 754, as torch's {@code .to(torch.float16/bfloat16)} does);
 * NaN stays NaN (quiet) in bfloat16.
 */
public final class FloatEncoding {
    private FloatEncoding() {
    }

    /** Bytes per value of "F32", "F16" or "BF16". */
    public static int width(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        };
    }

    /** Writes x[0..n) in {@code dtype} into dst from dstOff. */
    public static void encode(String dtype, float[] x, int n, byte[] dst, int dstOff) {
        switch (dtype) {
            case "F32" -> {
                for (int i = 0; i < n; i++) putInt(dst, dstOff + 4 * i, Float.floatToRawIntBits(x[i]));
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) putShort(dst, dstOff + 2 * i, Float.floatToFloat16(x[i]));
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) putShort(dst, dstOff + 2 * i, bf16(x[i]));
            }
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        }
    }

    /** float32 to bfloat16, round to nearest even on the 16 dropped bits. */
    public static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
