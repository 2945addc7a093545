package superweight.export;

import superweight.model.tensor.Tensor;

import java.util.List;

/**
 * The rows of one tensor as it will be written: rows x cols float values produced one row at a time (from a
 * stored or derived tensor, a reordering of its rows, several tensors stacked, or a vector), so an export never
 * holds more than a few rows of any tensor in memory.
 */
record RowSource(long rows, int cols, Reader reader) {
    @FunctionalInterface
    interface Reader {
        void read(long row, float[] dst, int off);
    }

    static RowSource of(Tensor t) {
        return new RowSource(t.rows(), t.cols(), t::readRow);
    }

    /** Row s of the result is row order[s] of t. */
    static RowSource reordered(Tensor t, long[] order) {
        return new RowSource(order.length, t.cols(), (r, dst, off) -> t.readRow(order[(int) r], dst, off));
    }

    /** The tensors' rows one after the other (fused projections such as [q; k; v]). */
    static RowSource stacked(List<RowSource> parts) {
        long rows = 0;
        for (RowSource p : parts) {
            if (p.cols() != parts.getFirst().cols()) throw new IllegalArgumentException("stacked tensors differ in width");
            rows += p.rows();
        }
        return new RowSource(rows, parts.getFirst().cols(), (r, dst, off) -> {
            long at = r;
            for (RowSource p : parts) {
                if (at < p.rows()) {
                    p.reader().read(at, dst, off);
                    return;
                }
                at -= p.rows();
            }
            throw new IndexOutOfBoundsException("row " + r);
        });
    }

    /** A vector as one row. */
    static RowSource vector(float[] v) {
        return new RowSource(1, v.length, (r, dst, off) -> System.arraycopy(v, 0, dst, off, v.length));
    }

    /** A vector reordered: element s is v[order[s]]. */
    static float[] reorder(float[] v, long[] order) {
        float[] r = new float[order.length];
        for (int i = 0; i < r.length; i++) r[i] = v[(int) order[i]];
        return r;
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] r = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, r, at, p.length);
            at += p.length;
        }
        return r;
    }
}
