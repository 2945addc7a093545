package superweight.model.tensor;

/**
 * A view of {@code base} with every column c multiplied by {@code factors[c]}: W diag(s), the weight side of
 * SmoothQuant's migration (the matching input is divided by s), computed as rows are read, never stored.
 */
public final class ColumnScaledTensor extends Tensor {
    private final Tensor base;
    private final float[] factors;

    public ColumnScaledTensor(Tensor base, float[] factors) {
        super(base.name(), base.rows(), base.cols());
        if (factors.length != base.cols()) {
            throw new IllegalArgumentException(base.name() + ": " + factors.length + " column factors for " + base.cols() + " columns");
        }
        this.base = base;
        this.factors = factors.clone();
    }

    @Override
    public String dtype() {
        return base.dtype() + "*cols";
    }

    @Override
    public float get(long row, int col) {
        return base.get(row, col) * factors[col];
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        base.readRow(row, dst, off);
        for (int c = 0; c < cols; c++) dst[off + c] *= factors[c];
    }
}
