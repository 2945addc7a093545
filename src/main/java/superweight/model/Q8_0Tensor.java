package superweight.model;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** ggml Q8_0: blocks of 32 values, an f16 scale d and 32 int8 q; value = d * q. */
public final class Q8_0Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 34;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

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
            for (int p = 0; p < BLOCK; p += 8) eight(b + 2 + p).mul(d).intoArray(dst, off + c + p);
        }
    }

    /**
     * Decode and dot fused: per block, the int8 values times x are summed first and scaled once, so the row is
     * never written out as floats. Even and odd blocks use separate accumulators to overlap the dependency chains.
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long b = blockOffset(row, 0);
        FloatVector even = FloatVector.zero(F), odd = even;
        int c = 0;
        for (; c + 2 * BLOCK <= cols; c += 2 * BLOCK, b += 2 * BYTES) {
            even = block(b, x, xOff + c).fma(FloatVector.broadcast(F, f16(data.get(I16, b))), even);
            odd = block(b + BYTES, x, xOff + c + BLOCK).fma(FloatVector.broadcast(F, f16(data.get(I16, b + BYTES))), odd);
        }
        if (c < cols) even = block(b, x, xOff + c).fma(FloatVector.broadcast(F, f16(data.get(I16, b))), even);
        return VectorMath.sum(even.add(odd));
    }

    /** Lane-wise sum over one block of q[j] * x[j] (unscaled). */
    private FloatVector block(long b, float[] x, int xo) {
        FloatVector s = eight(b + 2).mul(FloatVector.fromArray(F, x, xo));
        s = eight(b + 10).fma(FloatVector.fromArray(F, x, xo + 8), s);
        s = eight(b + 18).fma(FloatVector.fromArray(F, x, xo + 16), s);
        return eight(b + 26).fma(FloatVector.fromArray(F, x, xo + 24), s);
    }

    /** Eight int8 values at byte offset {@code at}, widened to floats. */
    private FloatVector eight(long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }
}
