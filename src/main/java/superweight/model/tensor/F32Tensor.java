package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** float32 storage. */
public final class F32Tensor extends StoredTensor {
    public F32Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    /** A heap tensor over a float array (row-major), e.g. for models built in code or quantizer output. */
    public static F32Tensor of(String name, long rows, int cols, float[] values) {
        if (values.length != rows * cols) throw new IllegalArgumentException(name + ": " + values.length + " values for " + rows + "x" + cols);
        return new F32Tensor(name, rows, cols, MemorySegment.ofArray(values));
    }

    @Override
    public String dtype() {
        return "F32";
    }

    @Override
    public float get(long row, int col) {
        return data.get(F32, (row * cols + col) * 4);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        MemorySegment.copy(data, F32, row * cols * 4, dst, off, cols);
    }

    @Override
    public float dot(long row, float[] x, int xOff) {
        // Four independent accumulators hide the FMA latency; the row streams straight from the mapped file.
        long base = row * cols * 4;
        var s = VectorMath.S;
        int l = s.length();
        FloatVector a0 = FloatVector.zero(s), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (int bound = cols - 4 * l; i <= bound; i += 4 * l) {
            a0 = FloatVector.fromMemorySegment(s, data, base + i * 4L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(s, x, xOff + i), a0);
            a1 = FloatVector.fromMemorySegment(s, data, base + (i + l) * 4L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(s, x, xOff + i + l), a1);
            a2 = FloatVector.fromMemorySegment(s, data, base + (i + 2 * l) * 4L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(s, x, xOff + i + 2 * l), a2);
            a3 = FloatVector.fromMemorySegment(s, data, base + (i + 3 * l) * 4L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(s, x, xOff + i + 3 * l), a3);
        }
        for (int bound = cols - l; i <= bound; i += l) {
            a0 = FloatVector.fromMemorySegment(s, data, base + i * 4L, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(s, x, xOff + i), a0);
        }
        float sum = VectorMath.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < cols; i++) sum += data.get(F32, base + i * 4L) * x[xOff + i];
        return sum;
    }
}
