package superweight.model.tensor;

/**
 * A 2-D weight matrix of {@code rows x cols} (rows = output features, cols = input features, the Hugging Face
 * [out, in] layout; a 1-D vector is one row). Subclasses own one storage format each and decode rows on demand,
 * so a checkpoint is computed on where it lies (memory-mapped) and never widened into a float copy.
 *
 * <p>{@link #get} is the scalar reference every kernel is tested against; {@link #matmul} is the fast path.
 */
public abstract class Tensor {
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
     * out[p*rows + r] = dot(row r, x[p*cols ..]) for p in [0, n), through {@link Gemm}: every output is the in-order
     * fma chain along k, so a position's result does not depend on the other positions of the call, the thread
     * count or the vector width. The scoring path.
     */
    public void matmul(float[] x, int n, float[] out) {
        if (rows > Integer.MAX_VALUE) throw new IllegalStateException(name + " is too large for one matmul");
        Gemm.multiply(this, x, n, out);
    }

    /**
     * out[r] = dot(row r, x): the decode path, a matrix-vector product of {@link #dot}s (lanes along k, bound by
     * memory bandwidth), rows split across threads. Deterministic, but not bit-identical to {@link #matmul}.
     */
    public void matvec(float[] x, float[] out) {
        if (rows > Integer.MAX_VALUE) throw new IllegalStateException(name + " is too large for one matvec");
        Parallel.forChunks((int) rows, matvecChunkRows((int) rows), matvecRows(x, out));
    }

    /**
     * Rows per chunk when this tensor's rows are among {@code total} rows split across threads: about 16K weights
     * (64 KB of F32), a multiple of 16 rows. Chunks of a few microseconds keep the idle end of each range short;
     * much shorter ones pay their claims.
     */
    int matvecChunkRows(int total) {
        int r = (CHUNK_WEIGHTS + cols - 1) / Math.max(cols, 1);
        return Math.max(16, (r + 15) / 16 * 16);
    }

    /**
     * The rows of {@code matvec(x, out)} as a body over row ranges, its per-call preparation (int8 quantization of
     * x) done here, once: {@link #matvec} splits it across threads, {@link #matvecAll} joins several tensors' into
     * one range. Every output row's value is independent of the ranges it is run in.
     */
    public Parallel.RangeBody matvecRows(float[] x, float[] out) {
        return (from, to) -> {
            for (int r = from; r < to; r++) out[r] = dot(r, x, 0);
        };
    }

    /**
     * outs[i] = ts[i] x for every i (tensors of the same width, e.g. q, k and v, or gate and up): one parallel range
     * over their rows end to end, so one dispatch and one join instead of one per tensor, and the threads balance
     * over the total. The bits of every output are those of {@code ts[i].matvec(x, outs[i])}.
     */
    public static void matvecAll(Tensor[] ts, float[] x, float[][] outs) {
        int[] ends = new int[ts.length];
        long total = 0;
        for (int i = 0; i < ts.length; i++) {
            if (ts[i].cols != ts[0].cols) throw new IllegalArgumentException(ts[i] + " and " + ts[0] + " differ in width");
            total += ts[i].rows;
            if (total > Integer.MAX_VALUE) throw new IllegalStateException("too many rows for one matvec");
            ends[i] = (int) total;
        }
        Parallel.RangeBody[] bodies = Int8KernelTensor.matvecBodies(ts, x, outs);
        int chunk = 0;
        for (Tensor t : ts) chunk = Math.max(chunk, t.matvecChunkRows((int) total));
        Parallel.forChunks((int) total, chunk, (from, to) -> {
            for (int i = 0, start = 0; i < ts.length && start < to; start = ends[i++]) {
                int lo = Math.max(from, start), hi = Math.min(to, ends[i]);
                if (lo < hi) bodies[i].run(lo - start, hi - start);
            }
        });
    }

    /**
     * outs[i] = ts[i] times the n positions of x, for tensors of the same width (q, k and v; gate and up): the bits
     * of {@code ts[i].matmul(x, n, outs[i])}, with x quantized once for the int8 tensors that share an activation
     * format instead of once per tensor.
     */
    public static void matmulAll(Tensor[] ts, float[] x, int n, float[][] outs) {
        for (Tensor t : ts) {
            if (t.cols != ts[0].cols) throw new IllegalArgumentException(t + " and " + ts[0] + " differ in width");
        }
        Int8KernelTensor.matmuls(ts, x, n, outs);
    }

    private static final int CHUNK_WEIGHTS = 16384;

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
