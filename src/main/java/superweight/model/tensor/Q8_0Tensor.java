package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** ggml Q8_0: blocks of 32 values, an f16 scale d and 32 int8 q; value = d * q. */
public final class Q8_0Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 34;
    /** Floats per step: the preferred width (8 with AVX2, 16 with AVX-512), from as many bytes widened at once. */
    private static final VectorSpecies<Float> F = VectorMath.BLOCK_FLOATS;
    private static final VectorSpecies<Byte> B = VectorMath.BLOCK_BYTES;
    private static final int LANES = F.length();

    public Q8_0Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q8_0";
    }

    private long blockOffset(long row, int col) {
        return (row * (cols / BLOCK) + col / BLOCK) * BYTES;
    }

    @Override
    public float get(long row, int col) {
        long b = blockOffset(row, col);
        return f16(data.get(I16, b)) * data.get(I8, b + 2 + col % BLOCK);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = blockOffset(row, 0);
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            FloatVector d = FloatVector.broadcast(F, f16(data.get(I16, b)));
            for (int p = 0; p < BLOCK; p += LANES) widened(b + 2 + p).mul(d).intoArray(dst, off + c + p);
        }
    }

    /**
     * Decode and dot fused: per block, the int8 values times x are summed first and scaled once, so the row is
     * never written out as floats. Kept in one method (no helper calls) so that the JIT inlines every vector
     * operation: a vector that crosses a call that was not inlined is boxed on the heap.
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long b = blockOffset(row, 0);
        FloatVector acc = FloatVector.zero(F);
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            FloatVector s = FloatVector.zero(F);
            for (int p = 0; p < BLOCK; p += LANES) {
                FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, data, b + 2 + p, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0);
                s = q.fma(FloatVector.fromArray(F, x, xOff + c + p), s);
            }
            acc = s.fma(FloatVector.broadcast(F, f16(data.get(I16, b))), acc);
        }
        return VectorMath.sum(acc);
    }

    /** LANES int8 values at byte offset {@code at}, widened to floats. */
    private FloatVector widened(long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }
}
