package superweight.quant;

import superweight.SuperweightException;

/**
 * How a tensor is cut: consecutive 1-D blocks of {@code elements} values of the row-major flattened [out, in] weight
 * (crossing row boundaries, as the reference reshapes to (-1, B)), one block per row ({@code channel}), or the whole
 * tensor as one block ({@code tensor}).
 */
public record BlockSize(Kind kind, long elements) {
    public enum Kind { ELEMENTS, CHANNEL, TENSOR }

    public BlockSize {
        if (kind == Kind.ELEMENTS && elements < 1) throw new SuperweightException("--block " + elements + ": must be at least 1");
        if (kind != Kind.ELEMENTS) elements = 0;
    }

    public static BlockSize parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("tensor")) return new BlockSize(Kind.TENSOR, 0);
        if (t.equals("channel")) return new BlockSize(Kind.CHANNEL, 0);
        try {
            return new BlockSize(Kind.ELEMENTS, Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw new SuperweightException("--block '" + s + "': expected a number of elements, channel or tensor");
        }
    }

    /** The requested block length for a tensor of {@code rows x cols}. */
    long length(long rows, int cols) {
        return switch (kind) {
            case TENSOR -> rows * cols;
            case CHANNEL -> cols;
            case ELEMENTS -> elements;
        };
    }

    /** "16384", "channel" or "tensor". */
    public String key() {
        return kind == Kind.ELEMENTS ? Long.toString(elements) : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
