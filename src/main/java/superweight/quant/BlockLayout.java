package superweight.quant;

/**
 * Where the blocks of one tensor lie in its row-major flattening: blocks of {@code length} elements, the last one
 * shorter when {@code length} does not divide {@code numel} (only with {@link RaggedBlocks#LAST}). {@code wholeFallback}
 * says the requested block did not divide the tensor and the whole tensor became one block (the reference's rule).
 */
public record BlockLayout(long numel, long length, boolean wholeFallback) {
    public static BlockLayout of(long rows, int cols, BlockSize block, RaggedBlocks ragged) {
        long numel = rows * cols;
        long b = Math.min(block.length(rows, cols), numel);
        if (numel % b != 0 && ragged == RaggedBlocks.WHOLE) return new BlockLayout(numel, numel, true);
        return new BlockLayout(numel, b, false);
    }

    public int blocks() {
        long n = (numel + length - 1) / length;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(n + " blocks: too many");
        return (int) n;
    }

    /** Elements in block b. */
    public long size(int b) {
        return Math.min(length, numel - b * length);
    }

    /** True when every block holds exactly {@code length} elements (the reference's reshape(-1, B) case). */
    public boolean even() {
        return numel % length == 0;
    }
}
