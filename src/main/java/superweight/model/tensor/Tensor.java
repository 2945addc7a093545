package superweight.model.tensor;

/**
 * A 2-D weight matrix of {@code rows x cols} (rows = output features, cols = input features, the Hugging Face
 * [out, in] layout; a 1-D vector is one row). Subclasses own one storage format each and decode rows on demand,
 * so a checkpoint is computed on where it lies (memory-mapped) and never widened into a float copy.
 *
 * <p>{@link #get} is the scalar reference every kernel is tested against; {@link #matmul} is the fast path.
 */
public abstract class Tensor {
    /** Positions processed together while a block of weight rows stays in cache. */
    private static final int POSITION_CHUNK = 48;

    protected final String name;
    protected final long rows;
    protected final int cols;

    protected Tensor(String name, long rows, int cols) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
    }

    public final String name() {
        return name;
    }

    public final long rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    public final long elements() {
        return rows * cols;
    }

    /** Storage type name, e.g. "F32", "BF16", "Q4_0". */
    public abstract String dtype();

    /** Scalar reference: element (row, col) decoded one value at a time. */
    public abstract float get(long row, int col);

    /** Decodes one row into dst[off .. off+cols). */
    public abstract void readRow(long row, float[] dst, int off);

    /** dot(row, x[xOff .. xOff+cols)). */
    public float dot(long row, float[] x, int xOff) {
        float[] buf = rowBuffer(cols);
        readRow(row, buf, 0);
        return VectorMath.dot(buf, 0, x, xOff, cols);
    }

    /** A copy of one row as floats. */
    public float[] row(long row) {
        float[] r = new float[cols];
        readRow(row, r, 0);
        return r;
    }

    /**
     * out[p*rows + r] = dot(row r, x[p*cols ..]) for p in [0, n): all positions at once, rows split across threads.
     * Weight rows are decoded in blocks of four and multiplied against blocks of three positions; for n > 1 every
     * output is computed with the same arithmetic whatever its tile or thread, so a position's result does not
     * depend on the other positions of the call.
     */
    public void matmul(float[] x, int n, float[] out) {
        if (rows > Integer.MAX_VALUE) throw new IllegalStateException(name + " is too large for one matmul");
        int m = (int) rows;
        if (n == 1) {
            Parallel.forRange(m, 16, (from, to) -> {
                for (int r = from; r < to; r++) out[r] = dot(r, x, 0);
            });
            return;
        }
        Parallel.forRange(m, 4, (from, to) -> {
            float[] w = rowBuffer(4 * cols);
            for (int p0 = 0; p0 < n; p0 += POSITION_CHUNK) {
                int p1 = Math.min(n, p0 + POSITION_CHUNK);
                int r = from;
                for (; r + 4 <= to; r += 4) {
                    for (int i = 0; i < 4; i++) readRow(r + i, w, i * cols);
                    int p = p0;
                    for (; p + 3 <= p1; p += 3) VectorMath.tile4x3(w, 0, x, p, cols, out, m, r);
                    for (; p < p1; p++) {
                        for (int i = 0; i < 4; i++) out[p * m + r + i] = VectorMath.dot1(w, i * cols, x, p * cols, cols);
                    }
                }
                for (; r < to; r++) {
                    readRow(r, w, 0);
                    for (int p = p0; p < p1; p++) out[p * m + r] = VectorMath.dot1(w, 0, x, p * cols, cols);
                }
            }
        });
    }

    private static final ThreadLocal<float[]> BUFFER = ThreadLocal.withInitial(() -> new float[0]);

    /** A per-thread scratch buffer of at least {@code size} floats. */
    protected static float[] rowBuffer(int size) {
        float[] b = BUFFER.get();
        if (b.length < size) {
            b = new float[size];
            BUFFER.set(b);
        }
        return b;
    }

    @Override
    public String toString() {
        return name + " " + dtype() + " [" + rows + ", " + cols + "]";
    }
}
