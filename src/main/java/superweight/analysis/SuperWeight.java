package superweight.analysis;

/**
 * One scalar of a layer's MLP down-projection, W[row, col] of {@code mlp.down_proj} in the Hugging Face [out, in]
 * layout: row = hidden (residual) channel it writes, col = intermediate channel it reads. {@code value} is the
 * weight's value in the checkpoint (NaN when only the coordinates are known, as in the catalog).
 */
public record SuperWeight(int layer, int row, int col, float value) {
    public static SuperWeight at(int layer, int row, int col) {
        return new SuperWeight(layer, row, col, Float.NaN);
    }

    public boolean sameCoordinates(SuperWeight o) {
        return layer == o.layer && row == o.row && col == o.col;
    }

    /** "(layer, row, col)", the paper's notation. */
    public String coordinates() {
        return "(" + layer + ", " + row + ", " + col + ")";
    }
}
