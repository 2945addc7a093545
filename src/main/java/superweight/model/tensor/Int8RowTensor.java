package superweight.model.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Symmetric int8 with one scale per row (per output channel): value = scale[row] * code, code in [-127, 127],
 * scale = max|row| / 127 (at least 1e-5 / 127). This is the weight side of W8A8 as SmoothQuant's fake quantizer
 * computes it (absmax per output channel, round half to even, float32 arithmetic), kept packed: one byte per weight
 * off the Java heap, so a 7B model's int8 weights (about 6.5 GB) do not count against -Xmx.
 */
public final class Int8RowTensor extends Tensor {
    /** SmoothQuant clamps the absmax at 1e-5 before dividing by q_max, so all-zero rows keep a finite scale. */
    static final float MIN_ABSMAX = 1e-5f;

    private final MemorySegment codes;
    private final float[] scales;

    private Int8RowTensor(String name, long rows, int cols, MemorySegment codes, float[] scales) {
        super(name, rows, cols);
        this.codes = codes;
        this.scales = scales;
    }

    /** Quantizes {@code source} row by row (one row decoded at a time; never a float copy of the tensor). */
    public static Int8RowTensor quantize(Tensor source) {
        if (source.rows() > Integer.MAX_VALUE) throw new IllegalArgumentException(source.name() + " has too many rows");
        int rows = (int) source.rows(), cols = source.cols();
        MemorySegment codes = Arena.ofAuto().allocate(source.elements());
        float[] scales = new float[rows];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.readRow(r, row, 0);
            float scale = scaleFor(row, 0, cols);
            scales[r] = scale;
            long base = (long) r * cols;
            for (int c = 0; c < cols; c++) codes.set(ValueLayout.JAVA_BYTE, base + c, (byte) Math.rint(row[c] / scale));
        }
        return new Int8RowTensor(source.name(), rows, cols, codes, scales);
    }

    /** max|x| / 127 over x[from, from + n), with SmoothQuant's lower clamp. */
    public static float scaleFor(float[] x, int from, int n) {
        float max = 0;
        for (int i = from; i < from + n; i++) max = Math.max(max, Math.abs(x[i]));
        return Math.max(max, MIN_ABSMAX) / 127f;
    }

    public float scale(long row) {
        return scales[(int) row];
    }

    public byte code(long row, int col) {
        return codes.get(ValueLayout.JAVA_BYTE, row * cols + col);
    }

    @Override
    public String dtype() {
        return "I8_ROW";
    }

    @Override
    public float get(long row, int col) {
        return code(row, col) * scales[(int) row];
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        float s = scales[(int) row];
        long base = row * cols;
        for (int c = 0; c < cols; c++) dst[off + c] = codes.get(ValueLayout.JAVA_BYTE, base + c) * s;
    }
}
