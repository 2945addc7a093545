package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * ggml Q4_0: blocks of 32 values, an f16 scale d and 16 bytes of nibbles; byte j holds element j in its low
 * nibble and element j+16 in its high nibble; value = d * (nibble - 8).
 */
public final class Q4_0Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 18;
    /** Floats per step: the preferred width (8 with AVX2, 16 with AVX-512), from as many bytes widened at once. */
    private static final VectorSpecies<Float> F = VectorMath.BLOCK_FLOATS;
    private static final VectorSpecies<Byte> B = VectorMath.BLOCK_BYTES;
    private static final VectorSpecies<Integer> I = F.length() == 16 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final int LANES = F.length();

    public Q4_0Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q4_0";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int j = col % BLOCK;
        int q = data.get(I8, b + 2 + (j & 15)) & 0xFF;
        return f16(data.get(I16, b)) * (((j < 16) ? q & 15 : q >>> 4) - 8);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            FloatVector d = FloatVector.broadcast(F, f16(data.get(I16, b)));
            for (int h = 0; h < 16; h += LANES) {
                ByteVector q = bytes(b + 2 + h);
                low(q).mul(d).intoArray(dst, off + c + h);
                high(q).mul(d).intoArray(dst, off + c + 16 + h);
            }
        }
    }

    /**
     * Decode and dot fused (see Q8_0Tensor#dot): per block the (q - 8) * x products are summed, then scaled once.
     * One method without helper calls, so that every vector operation is inlined.
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long b = row * (cols / BLOCK) * BYTES;
        // Two accumulators, even and odd blocks: one chain of scale fmas is latency-bound at one block per 4 cycles.
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            FloatVector s = FloatVector.zero(F);
            for (int h = 0; h < 16; h += LANES) {
                // the bytes zero-extended to int lanes first: both nibbles come out with one op each (x86 has no
                // byte shift), and no sign extension is needed
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, b + 2 + h, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                FloatVector lo = (FloatVector) q.and(15).sub(8).convertShape(VectorOperators.I2F, F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(8).convertShape(VectorOperators.I2F, F, 0);
                s = lo.fma(FloatVector.fromArray(F, x, xOff + c + h), s);
                s = hi.fma(FloatVector.fromArray(F, x, xOff + c + 16 + h), s);
            }
            FloatVector d = FloatVector.broadcast(F, f16(data.get(I16, b)));
            if ((c & BLOCK) == 0) acc0 = s.fma(d, acc0);
            else acc1 = s.fma(d, acc1);
        }
        return VectorMath.sum(acc0.add(acc1));
    }

    /** LANES packed bytes at {@code at}; element j of a block is the low nibble of byte j, element j+16 its high nibble. */
    private ByteVector bytes(long at) {
        return ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector low(ByteVector q) {
        return widen(q.and((byte) 15));
    }

    private static FloatVector high(ByteVector q) {
        return widen(q.lanewise(VectorOperators.LSHR, 4));
    }

    /** Values 0..15 as floats minus the Q4_0 offset 8. */
    private static FloatVector widen(ByteVector n) {
        return ((FloatVector) n.sub((byte) 8).convertShape(VectorOperators.B2F, F, 0));
    }
}
