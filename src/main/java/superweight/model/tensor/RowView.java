package superweight.model.tensor;

import superweight.SuperweightException;

/**
 * Rows of another tensor, picked by an index map, without copying: slices of fused projections (qkv, gate_up)
 * and the per-head row reorderings that GGUF and GPT-NeoX use for Q/K.
 */
public final class RowView extends Tensor {
    private final Tensor base;
    private final long[] sourceRows;

    private RowView(String name, Tensor base, long[] sourceRows) {
        super(name, sourceRows.length, base.cols());
        this.base = base;
        this.sourceRows = sourceRows;
    }

    /** Rows [from, from+count) of base. */
    public static RowView slice(String name, Tensor base, long from, int count) {
        if (from < 0 || from + count > base.rows()) {
            throw new SuperweightException(base.name() + ": has " + base.rows() + " rows, the configuration needs rows " + from + ".."
                    + (from + count));
        }
        long[] map = new long[count];
        for (int i = 0; i < count; i++) map[i] = from + i;
        return new RowView(name, base, map);
    }

    /** Row i of the view is row sourceRows[i] of base. */
    public static RowView gather(String name, Tensor base, long[] sourceRows) {
        for (long r : sourceRows) {
            if (r < 0 || r >= base.rows()) {
                throw new SuperweightException(base.name() + ": has " + base.rows() + " rows, the configuration needs row " + r);
            }
        }
        return new RowView(name, base, sourceRows.clone());
    }

    public Tensor base() {
        return base;
    }

    public long sourceRow(long row) {
        return sourceRows[(int) row];
    }

    @Override
    public String dtype() {
        return base.dtype();
    }

    @Override
    public float get(long row, int col) {
        return base.get(sourceRows[(int) row], col);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        base.readRow(sourceRows[(int) row], dst, off);
    }

    @Override
    public float dot(long row, float[] x, int xOff) {
        return base.dot(sourceRows[(int) row], x, xOff);
    }
}
