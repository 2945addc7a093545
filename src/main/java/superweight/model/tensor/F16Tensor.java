package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** IEEE half-precision storage, widened to float in the kernel, a vector of lanes at a time. */
public final class F16Tensor extends StoredTensor {
    private static final VectorSpecies<Float> F = VectorMath.S;
    private static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int LANES = F.length();
    /** Float exponent bias minus half exponent bias, in the exponent field: rebiases a normal half's bits. */
    private static final int REBIAS = (127 - 15) << 23;

    public F16Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "F16";
    }

    @Override
    public float get(long row, int col) {
        return f16(data.get(I16, (row * cols + col) * 2));
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long base = row * cols * 2;
        int i = 0;
        for (int bound = cols - LANES; i <= bound; i += LANES) widen(halfs(base + 2L * i)).intoArray(dst, off + i);
        for (; i < cols; i++) dst[off + i] = f16(data.get(I16, base + 2L * i));
    }

    /** Decode and dot fused: each vector of halves is widened in registers and multiplied at once, never stored. */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long base = row * cols * 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (int bound = cols - 2 * LANES; i <= bound; i += 2 * LANES) {
            a0 = widen(halfs(base + 2L * i)).fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = widen(halfs(base + 2L * (i + LANES))).fma(FloatVector.fromArray(F, x, xOff + i + LANES), a1);
        }
        for (int bound = cols - LANES; i <= bound; i += LANES) {
            a0 = widen(halfs(base + 2L * i)).fma(FloatVector.fromArray(F, x, xOff + i), a0);
        }
        float s = VectorMath.sum(a0.add(a1));
        for (; i < cols; i++) s += f16(data.get(I16, base + 2L * i)) * x[xOff + i];
        return s;
    }

    private ShortVector halfs(long at) {
        return ShortVector.fromMemorySegment(HALF, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The exact float of every half, as {@link Float#float16ToFloat}: a normal half's exponent and mantissa bits
     * move up 13 places and are rebiased; a subnormal one (exponent 0) is its mantissa times 2^-24, converted from
     * the integer (exact, and no subnormal float operand); exponent 31 (Inf/NaN) keeps all ones. Then the sign.
     */
    private static FloatVector widen(ShortVector halfs) {
        IntVector h = (IntVector) halfs.convertShape(VectorOperators.S2I, INT, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts();
        IntVector bits = shifted.add(REBIAS)
                .blend(subnormal, magnitude.compare(VectorOperators.LT, 0x0400))
                .blend(shifted.or(0x7F800000), magnitude.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
