package superweight.model.tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * A tensor with a few elements replaced, over an unchanged base (the weights are never copied). Used for
 * weight interventions: zeroing, scaling or setting a super weight, or restoring it after quantization.
 */
public final class EditedTensor extends Tensor {
    private final Tensor base;
    private final Map<Long, Map<Integer, Float>> edits;

    /** edits: row -> (col -> new value). */
    public EditedTensor(Tensor base, Map<Long, Map<Integer, Float>> edits) {
        super(base.name(), base.rows(), base.cols());
        this.base = base;
        this.edits = new HashMap<>();
        edits.forEach((r, cols) -> this.edits.put(r, Map.copyOf(cols)));
    }

    public Tensor base() {
        return base;
    }

    @Override
    public String dtype() {
        return base.dtype();
    }

    @Override
    public float get(long row, int col) {
        Map<Integer, Float> e = edits.get(row);
        if (e != null && e.containsKey(col)) return e.get(col);
        return base.get(row, col);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        base.readRow(row, dst, off);
        Map<Integer, Float> e = edits.get(row);
        if (e != null) e.forEach((c, v) -> dst[off + c] = v);
    }

    @Override
    public float dot(long row, float[] x, int xOff) {
        if (!edits.containsKey(row)) return base.dot(row, x, xOff);
        return super.dot(row, x, xOff);
    }
}
