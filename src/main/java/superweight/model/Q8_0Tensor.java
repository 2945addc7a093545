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
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
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
        int parts = BLOCK / F.length();
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            FloatVector d = FloatVector.broadcast(F, f16(data.get(I16, b)));
            ByteVector q = ByteVector.fromMemorySegment(B, data, b + 2, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < parts; p++) {
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, off + c + p * F.length());
            }
        }
    }
}
