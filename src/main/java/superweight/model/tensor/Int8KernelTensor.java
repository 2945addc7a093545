package superweight.model.tensor;

import java.util.Optional;

/**
 * A ggml-quantized tensor (or a row view of one) whose matrix products run on 8-bit activations: each call
 * quantizes its input rows once ({@link Q8Activations}, the format llama.cpp pairs with the storage type) and
 * multiplies in integers: {@link Int8Kernels} per row, or {@link Int8Gemm} for several positions of 32-value block
 * types. Both compute every output with the same operations, so decode ({@link #matvec}) and scoring
 * ({@link #matmul}) agree bit for bit. Element access ({@link #get}, {@link #readRow},
 * {@link #dot}) is the wrapped tensor's, unchanged: only the products of the forward pass change.
 */
public final class Int8KernelTensor extends Tensor {
    private final Tensor view;
    private final StoredTensor stored;
    /** Row r of this tensor is row sourceRows[r] of {@code stored}. */
    private final long[] sourceRows;
    private final Q8Activations.Format format;
    private final Q8Activations.Rounding rounding;
    /**
     * The decode kernels' copy of the weights, made by the first decode call (prefill alone never needs it); empty
     * when the heap had no room for it.
     */
    private volatile Optional<Int8Decode.Packed> packed;

    private Int8KernelTensor(Tensor view, StoredTensor stored, long[] sourceRows, Q8Activations.Format format, Q8Activations.Rounding rounding) {
        super(view.name(), view.rows(), view.cols());
        this.view = view;
        this.stored = stored;
        this.sourceRows = sourceRows;
        this.format = format;
        this.rounding = rounding;
    }

    /**
     * {@code t} with int8 products when its storage type has an integer kernel (Q8_0, Q4_0, Q4_1, Q4_K, Q5_K,
     * Q6_K, directly or through row views) and its columns fill whole blocks; otherwise {@code t} itself, whose
     * products stay in float (as llama.cpp keeps F32 weights in float).
     */
    public static Tensor over(Tensor t) {
        return over(t, Q8Activations.Rounding.REFERENCE);
    }

    /** As {@link #over(Tensor)}, the activation rows rounded as {@code rounding} says. */
    public static Tensor over(Tensor t, Q8Activations.Rounding rounding) {
        if (t instanceof Int8KernelTensor || t.rows() > Integer.MAX_VALUE) return t;
        Tensor base = t;
        while (base instanceof RowView v) base = v.base();
        Q8Activations.Format f = Int8Kernels.activationFormat(base);
        if (f == null || t.cols() % f.block != 0) return t;
        long[] rows = new long[(int) t.rows()];
        for (int r = 0; r < rows.length; r++) {
            long row = r;
            for (Tensor v = t; v instanceof RowView view; v = view.base()) row = view.sourceRow(row);
            rows[r] = row;
        }
        return new Int8KernelTensor(t, (StoredTensor) base, rows, f, rounding);
    }

    /** The activation format of this tensor's products. */
    public Q8Activations.Format activationFormat() {
        return format;
    }

    @Override
    public String dtype() {
        return view.dtype();
    }

    @Override
    public float get(long row, int col) {
        return view.get(row, col);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        view.readRow(row, dst, off);
    }

    @Override
    public float dot(long row, float[] x, int xOff) {
        return view.dot(row, x, xOff);
    }

    @Override
    public void matmul(float[] x, int n, float[] out) {
        if (n <= 0) return;
        multiply(Q8Activations.quantize(format, rounding, x, n, cols), out);
    }

    /** The product of this tensor with the quantized rows {@code a}: the GEMM for several positions, else the rows. */
    private void multiply(Q8Activations a, float[] out) {
        if (a.n > 1 && Int8Gemm.supports(stored)) {
            Int8Gemm.multiply(stored, sourceRows, a, out);
            return;
        }
        Parallel.forRange((int) rows, Int8Decode.GROUP, rowsOf(a, out));
    }

    @Override
    public void matvec(float[] x, float[] out) {
        matmul(x, 1, out);
    }

    /** Whole decode groups per chunk (a chunk's rows outside whole groups go through the slower row kernel). */
    @Override
    int matvecChunkRows(int total) {
        int g = Int8Decode.GROUP;
        return (super.matvecChunkRows(total) + g - 1) / g * g;
    }

    @Override
    public Parallel.RangeBody matvecRows(float[] x, float[] out) {
        return rowsOf(Q8Activations.quantize(format, rounding, x, 1, cols), out);
    }

    /** The products of one position's quantized activations {@code a} with rows [from, to), as a range body. */
    private Parallel.RangeBody rowsOf(Q8Activations a, float[] out) {
        int m = (int) rows;
        Int8Decode.Packed p = Int8Decode.packs(stored) ? packed().orElse(null) : null;
        if (p != null) return Int8Decode.rows(p, stored, sourceRows, a, out);
        return (from, to) -> {
            for (int r = from; r < to; r++) Int8Kernels.rowDots(stored, sourceRows[r], a, out, r, m);
        };
    }

    /** The packed copy for {@link Int8Decode}, made once, on the calling thread, before any range runs. */
    private Optional<Int8Decode.Packed> packed() {
        Optional<Int8Decode.Packed> p = packed;
        if (p == null) {
            synchronized (this) {
                if ((p = packed) == null) packed = p = Optional.ofNullable(Int8Decode.pack(stored, sourceRows));
            }
        }
        return p;
    }

    /**
     * The bodies of {@code ts[i].matvecRows(x, outs[i])}, x quantized once for all int8 tensors that read the same
     * activation format and rounding (q, k and v; gate and up), not once per tensor.
     */
    static Parallel.RangeBody[] matvecBodies(Tensor[] ts, float[] x, float[][] outs) {
        Parallel.RangeBody[] bodies = new Parallel.RangeBody[ts.length];
        Q8Activations[] quantized = new Q8Activations[ts.length];
        for (int i = 0; i < ts.length; i++) {
            bodies[i] = ts[i] instanceof Int8KernelTensor t
                    ? t.rowsOf(sharedQuantization(ts, quantized, i, x, 1), outs[i])
                    : ts[i].matvecRows(x, outs[i]);
        }
        return bodies;
    }

    /**
     * outs[i] = the n-position product of ts[i] with x for every i, as {@link #matmul} computes it, x quantized once
     * for all int8 tensors that read the same activation format and rounding (q, k and v; gate and up).
     */
    static void matmuls(Tensor[] ts, float[] x, int n, float[][] outs) {
        Q8Activations[] quantized = new Q8Activations[ts.length];
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] instanceof Int8KernelTensor t && n > 0) t.multiply(sharedQuantization(ts, quantized, i, x, n), outs[i]);
            else ts[i].matmul(x, n, outs[i]);
        }
    }

    /** x quantized for int8 tensor ts[i]: an earlier tensor's rows of the same format and rounding, or new ones. */
    private static Q8Activations sharedQuantization(Tensor[] ts, Q8Activations[] quantized, int i, float[] x, int n) {
        Int8KernelTensor t = (Int8KernelTensor) ts[i];
        for (int j = 0; j < i; j++) {
            if (ts[j] instanceof Int8KernelTensor u && u.format == t.format && u.rounding == t.rounding) return quantized[i] = quantized[j];
        }
        return quantized[i] = Q8Activations.quantize(t.format, t.rounding, x, n, t.cols);
    }
}
