package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** ggml Q4_1: blocks of 32 values, f16 scale d, f16 minimum m, 16 bytes of nibbles (as Q4_0); value = d*q + m. */
public final class Q4_1Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 20;
    private static final VectorSpecies<Float> F = VectorMath.BLOCK_FLOATS;
    private static final VectorSpecies<Byte> B = VectorMath.BLOCK_BYTES;
    private static final int LANES = F.length();

    public Q4_1Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q4_1";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int j = col % BLOCK;
        int q = data.get(I8, b + 4 + (j & 15)) & 0xFF;
        return f16(data.get(I16, b)) * ((j < 16) ? q & 15 : q >>> 4) + f16(data.get(I16, b + 2));
    }

    /** LANES values per step, the arithmetic of {@link #get}: d * q rounded, then + m. */
    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b)), m = f16(data.get(I16, b + 2));
            for (int h = 0; h < 16; h += LANES) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, b + 4 + h, ByteOrder.LITTLE_ENDIAN);
                ((FloatVector) q.and((byte) 15).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m).intoArray(dst, off + c + h);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0)).mul(d).add(m)
                        .intoArray(dst, off + c + 16 + h);
            }
        }
    }

    /**
     * Decode and dot fused: per block d * sum(q * x) + m * sum(x), the two sums in lanes, scaled once per block
     * into their own accumulators; the row is never written out. One method, so every vector operation is inlined.
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long b = row * (cols / BLOCK) * BYTES;
        FloatVector scaled = FloatVector.zero(F), offsets = scaled;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            FloatVector sq = FloatVector.zero(F), sx = sq;
            for (int h = 0; h < 16; h += LANES) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, b + 4 + h, ByteOrder.LITTLE_ENDIAN);
                FloatVector lo = (FloatVector) q.and((byte) 15).convertShape(VectorOperators.B2F, F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0);
                FloatVector xl = FloatVector.fromArray(F, x, xOff + c + h), xh = FloatVector.fromArray(F, x, xOff + c + 16 + h);
                sq = hi.fma(xh, lo.fma(xl, sq));
                sx = sx.add(xl).add(xh);
            }
            scaled = sq.fma(FloatVector.broadcast(F, f16(data.get(I16, b))), scaled);
            offsets = sx.fma(FloatVector.broadcast(F, f16(data.get(I16, b + 2))), offsets);
        }
        return VectorMath.sum(scaled.add(offsets));
    }
}
