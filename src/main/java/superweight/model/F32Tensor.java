package superweight.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

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
        long base = row * cols * 4;
        var s = VectorMath.S;
        FloatVector acc = FloatVector.zero(s);
        int i = 0;
        for (int bound = s.loopBound(cols); i < bound; i += s.length()) {
            acc = FloatVector.fromMemorySegment(s, data, base + i * 4L, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(s, x, xOff + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) sum += data.get(F32, base + i * 4L) * x[xOff + i];
        return sum;
    }
}
