package superweight.engine;

/**
 * Finds the first NaN or infinity of a forward pass. The logits are always checked (one scan per position, small
 * next to the head's matmul); with {@link #perLayer} on (the CLI's --check-numerics) every layer's attention and
 * MLP outputs and the residual stream are checked too, so the report names the first layer and operation.
 */
public final class NumericsCheck {
    private static volatile boolean perLayer;

    private NumericsCheck() {
    }

    public static void perLayer(boolean on) {
        perLayer = on;
    }

    public static boolean perLayer() {
        return perLayer;
    }

    /** Rows of {@code width} values at positions start.. of layer {@code layer} (-1 = before the first). */
    static void activations(float[] x, int n, int width, int layer, String operation, int start) {
        int i = firstNonFinite(x, n * width);
        if (i < 0) return;
        throw new NumericalFault((layer < 0 ? "" : "layer " + layer + " ") + operation + ": " + x[i] + " at position "
                + (start + i / width) + ", channel " + i % width + " (the first non-finite value of this forward pass)");
    }

    static void logits(float[] logits, int count, int vocab, int firstPosition) {
        int i = firstNonFinite(logits, count * vocab);
        if (i < 0) return;
        throw new NumericalFault("logits: " + logits[i] + " at position " + (firstPosition + i / vocab) + ", token " + i % vocab
                + (perLayer ? " (every layer was finite: the final norm or the output head produced it)"
                : "; run with --check-numerics to find the first layer and operation where it appeared"));
    }

    private static int firstNonFinite(float[] x, int n) {
        for (int i = 0; i < n; i++) if (!Float.isFinite(x[i])) return i;
        return -1;
    }
}
