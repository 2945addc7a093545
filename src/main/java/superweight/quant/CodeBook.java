package superweight.quant;

/**
 * The grid a block's values are rounded onto, as the paper's code computes it (outliers/functional/quantization.py).
 * A block with minimum {@code min} and maximum {@code max} has scale {@code s = span / (max - min)}:
 * <ul>
 *   <li>INT (N bits): span = 2^N - 1, code = round((w - min) * s) with ties to even (torch.round), value = code / s + min;</li>
 *   <li>NF4/NF3: span = 2, x = (w - min) * s - 1, code = the nearest normal-float level (ties to the lower level, as
 *       torch.argmin returns the first minimum), value = (level + 1) / s + min.</li>
 * </ul>
 * Everything in float32 (the reference works in the model's fp16, in place). Decoding is one table lookup and one
 * division: {@code decodeTable()[code] / s + min}, the same arithmetic in the packed and fake-quant paths.
 */
public final class CodeBook {
    /** NF4 levels as the reference code lists them (QLoRA's normal-float code book). */
    static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f,
            0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f,
            0.5626170039176941f, 0.7229568362236023f, 1.0f};
    /** NF3 levels as the reference code lists them. */
    static final float[] NF3 = {-1f, -0.5350227355957031f, -0.2469314038753510f, 0f, 0.1833375245332718f,
            0.3819939494132996f, 0.6229856610298157f, 1f};

    private final String name;
    private final int bits;
    private final float span;
    /** Normal-float levels, or null for the uniform INT grid. */
    private final float[] levels;
    private final float[] decode;

    private CodeBook(String name, int bits, float span, float[] levels) {
        this.name = name;
        this.bits = bits;
        this.span = span;
        this.levels = levels;
        this.decode = new float[1 << bits];
        for (int c = 0; c < decode.length; c++) decode[c] = levels == null ? c : levels[c] + 1f;
    }

    public static CodeBook integer(int bits) {
        if (bits < 2 || bits > 8) throw new IllegalArgumentException("INT bits " + bits + ": expected 2..8");
        return new CodeBook("int" + bits, bits, (float) ((1 << bits) - 1), null);
    }

    public static CodeBook nf4() {
        return new CodeBook("nf4", 4, 2f, NF4);
    }

    public static CodeBook nf3() {
        return new CodeBook("nf3", 3, 2f, NF3);
    }

    public String name() {
        return name;
    }

    public int bits() {
        return bits;
    }

    /** Rounding rule, for reports and keys: "half-to-even" (INT) or "nearest-level-ties-to-lower" (NF). */
    public String rounding() {
        return levels == null ? "half-to-even" : "nearest-level-ties-to-lower";
    }

    /** s = span / (max - min); +Infinity for a constant block (its values decode to min: code 0 / inf + min). */
    public float scale(float min, float max) {
        return max == min ? Float.POSITIVE_INFINITY : span / (max - min);
    }

    /** The code of value w in a block (min, s). A constant block (s infinite) gets code 0. */
    public int encode(float w, float min, float s) {
        if (s == Float.POSITIVE_INFINITY) return 0;
        float x = (w - min) * s;
        if (levels == null) return (int) Math.max(0, Math.min(decode.length - 1, Math.rint(x)));
        x -= 1f;
        int best = 0;
        float bestDistance = Math.abs(x - levels[0]);
        for (int i = 1; i < levels.length; i++) {
            float d = Math.abs(x - levels[i]);
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return best;
    }

    /** decode[code] / s + min is the dequantized value. */
    public float[] decodeTable() {
        return decode.clone();
    }

    public float decode(int code, float min, float s) {
        return decode[code] / s + min;
    }
}
