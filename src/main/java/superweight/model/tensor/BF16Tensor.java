package superweight.model.tensor;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** bfloat16 storage: the upper 16 bits of a float32, widened exactly in the kernel. */
public final class BF16Tensor extends StoredTensor {
    private static final VectorSpecies<Integer> INT = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(INT.vectorBitSize() / 2));

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
        // Widen 8 values at a time: sign-extend the 16-bit patterns to int lanes, shift into the high half, reinterpret.
        long base = row * cols * 2;
        int i = 0;
        for (int bound = cols - HALF.length(); i <= bound; i += HALF.length()) {
            ((IntVector) ShortVector.fromMemorySegment(HALF, data, base + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INT, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (; i < cols; i++) dst[off + i] = Float.intBitsToFloat(data.get(I16, base + 2L * i) << 16);
    }
}
