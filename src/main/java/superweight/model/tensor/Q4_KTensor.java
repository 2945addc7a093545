package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * ggml Q4_K: super-blocks of 256 values = 8 sub-blocks of 32, each with a 6-bit scale and 6-bit minimum packed
 * into 12 bytes, under f16 super-scales d and dmin: value = d*scale*q - dmin*min, q a 4-bit nibble. Bytes: d, dmin,
 * scales[12], qs[128]; within each 64 values, the first 32 are the low nibbles of 32 bytes and the next 32 their
 * high nibbles.
 */
public final class Q4_KTensor extends StoredTensor {
    static final int BLOCK = 256, BYTES = 144;
    private static final VectorSpecies<Float> F = VectorMath.BLOCK_FLOATS;
    private static final VectorSpecies<Byte> B = VectorMath.BLOCK_BYTES;
    private static final int LANES = F.length();

    public Q4_KTensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q4_K";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int e = col % BLOCK, group = e / 64, high = (e % 64) / 32, l = e % 32;
        int q = data.get(I8, b + 16 + group * 32 + l) & 0xFF;
        q = high == 0 ? q & 15 : q >>> 4;
        int sub = 2 * group + high;
        return f16(data.get(I16, b)) * KQuants.scale(data, b + 4, sub) * q - f16(data.get(I16, b + 2)) * KQuants.min(data, b + 4, sub);
    }

    /** Vectorised decode, LANES values per step; the arithmetic of {@link #get} (d * scale * q - dmin * min). */
    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b)), dmin = f16(data.get(I16, b + 2));
            for (int group = 0; group < 4; group++) {
                float d1 = d * KQuants.scale(data, b + 4, 2 * group), m1 = dmin * KQuants.min(data, b + 4, 2 * group);
                float d2 = d * KQuants.scale(data, b + 4, 2 * group + 1), m2 = dmin * KQuants.min(data, b + 4, 2 * group + 1);
                int o = off + c + group * 64;
                for (int l = 0; l < 32; l += LANES) {
                    ByteVector q = bytes(b + 16 + group * 32 + l);
                    floats(q.and((byte) 15)).mul(d1).sub(m1).intoArray(dst, o + l);
                    floats(q.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).intoArray(dst, o + 32 + l);
                }
            }
        }
    }

    /** LANES bytes at {@code at} (LANES = the float lanes per step: 16 with 512-bit vectors, else 8). */
    private ByteVector bytes(long at) {
        return ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector floats(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }
}
