package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** bfloat16 storage: the upper 16 bits of a float32, widened exactly in the kernel. */
public final class BF16Tensor extends StoredTensor {
    private static final VectorSpecies<Float> F = VectorMath.S;
    private static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int LANES = F.length();

    public BF16Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "BF16";
    }

    @Override
    public float get(long row, int col) {
        return Float.intBitsToFloat(data.get(I16, (row * cols + col) * 2) << 16);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long base = row * cols * 2;
        int i = 0;
        for (int bound = cols - LANES; i <= bound; i += LANES) widen(base + 2L * i).intoArray(dst, off + i);
        for (; i < cols; i++) dst[off + i] = Float.intBitsToFloat(data.get(I16, base + 2L * i) << 16);
    }

    /**
     * Decode and dot fused: the widened lanes go straight into the fused multiply-adds (a 7B decode reads 13 GB).
     * One method with no helper calls, so that every vector operation is inlined (see Q8_0Tensor#dot).
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long base = row * cols * 2;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (int bound = cols - 2 * LANES; i <= bound; i += 2 * LANES) {
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(HALF, data, base + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INT, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(HALF, data, base + 2L * (i + LANES), ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INT, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = w0.fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = w1.fma(FloatVector.fromArray(F, x, xOff + i + LANES), a1);
        }
        float s = VectorMath.sum(a0.add(a1));
        for (; i < cols; i++) s += Float.intBitsToFloat(data.get(I16, base + 2L * i) << 16) * x[xOff + i];
        return s;
    }

    /** LANES values at {@code at}: the 16-bit patterns sign-extended to int lanes, shifted into the high half. */
    private FloatVector widen(long at) {
        return ((IntVector) ShortVector.fromMemorySegment(HALF, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, INT, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
