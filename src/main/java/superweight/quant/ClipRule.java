package superweight.quant;

import superweight.SuperweightException;

import java.util.Locale;

/**
 * Outlier clipping before quantization, statistics on |w|, values clamped to [-t, t] (the reference's
 * {@code clip_method}): {@code z:Z} t = mean + Z * std per block (unbiased std), {@code bp:P} t = the k-th largest
 * |w| of the block with k = max(int(B * P + 1), 1), {@code tp:P} t = the k-th largest |w| of the whole tensor with
 * k = max(int(numel * P), 1). {@code none} does not clip. {@code z:auto} is a z-score whose z {@link ZSearch} chooses per
 * tensor (or globally) on calibration activations.
 */
public record ClipRule(Kind kind, double value) {
    public enum Kind { NONE, ZSCORE, BLOCK_PERCENTAGE, TENSOR_PERCENTAGE, ZSCORE_AUTO }

    public static final ClipRule NONE = new ClipRule(Kind.NONE, 0);

    public ClipRule {
        switch (kind) {
            case NONE, ZSCORE_AUTO -> value = 0;
            case ZSCORE -> {
                if (!(value > 0) || Double.isInfinite(value)) throw new SuperweightException("--clip z:" + value + ": z must be positive");
            }
            case BLOCK_PERCENTAGE, TENSOR_PERCENTAGE -> {
                if (!(value > 0 && value < 1)) throw new SuperweightException("--clip " + prefix(kind) + ":" + value + ": the fraction must lie in (0, 1)");
            }
        }
    }

    public static ClipRule zScore(double z) {
        return new ClipRule(Kind.ZSCORE, z);
    }

    /** none, z:Z, bp:P, tp:P. */
    public static ClipRule parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none") || t.equals("no")) return NONE;
        if (t.equals("z:auto")) return new ClipRule(Kind.ZSCORE_AUTO, 0);
        int colon = t.indexOf(':');
        String rule = colon < 0 ? t : t.substring(0, colon);
        Kind kind = switch (rule) {
            case "z" -> Kind.ZSCORE;
            case "bp" -> Kind.BLOCK_PERCENTAGE;
            case "tp" -> Kind.TENSOR_PERCENTAGE;
            default -> throw new SuperweightException("--clip '" + s + "': expected none, z:Z, z:auto, bp:P or tp:P");
        };
        try {
            if (colon < 0) throw new NumberFormatException();
            return new ClipRule(kind, Double.parseDouble(t.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new SuperweightException("--clip '" + s + "': expected a number after '" + rule + ":'");
        }
    }

    private static String prefix(Kind k) {
        return switch (k) {
            case NONE -> "none";
            case ZSCORE, ZSCORE_AUTO -> "z";
            case BLOCK_PERCENTAGE -> "bp";
            case TENSOR_PERCENTAGE -> "tp";
        };
    }

    /** "none", "z:9.0", "bp:1.0E-5": the value printed exactly (Double.toString round-trips). */
    public String key() {
        if (kind == Kind.ZSCORE_AUTO) return "z:auto";
        return kind == Kind.NONE ? "none" : prefix(kind) + ":" + value;
    }
}
