package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * ggml Q6_K: super-blocks of 256 six-bit values with 16 int8 scales (one per 16 values) and an f16 d:
 * value = d * scale * (q - 32). Bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16], d. Each half of
 * 128 values uses 64 ql bytes and 32 qh bytes: quarter k (0..3) of the half takes ql[l + 32*(k&1)] (low nibble for
 * k < 2, high nibble otherwise) and bits 2k..2k+1 of qh[l], l = 0..31.
 */
public final class Q6_KTensor extends StoredTensor {
    static final int BLOCK = 256, BYTES = 210;
    private static final VectorSpecies<Float> F = VectorMath.BLOCK_FLOATS;
    private static final VectorSpecies<Byte> B = VectorMath.BLOCK_BYTES;
    private static final int LANES = F.length();

    public Q6_KTensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q6_K";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int e = col % BLOCK, half = e / 128, quarter = (e % 128) / 32, l = e % 32;
        int lo = data.get(I8, b + half * 64 + l + 32 * (quarter & 1)) & 0xFF;
        lo = quarter < 2 ? lo & 15 : lo >>> 4;
        int hi = (data.get(I8, b + 128 + half * 32 + l) >>> (2 * quarter)) & 3;
        int scale = data.get(I8, b + 192 + half * 8 + l / 16 + 2 * quarter);
        return f16(data.get(I16, b + 208)) * scale * ((lo | (hi << 4)) - 32);
    }

    /** Vectorised decode, LANES values per step; the arithmetic of {@link #get} (d * scale, then times q - 32). */
    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b + 208));
            for (int half = 0; half < 2; half++) {
                long ql = b + half * 64, qh = b + 128 + half * 32, sc = b + 192 + half * 8;
                int o = off + c + half * 128;
                for (int l = 0; l < 32; l += LANES) {
                    ByteVector a = bytes(ql + l), a2 = bytes(ql + l + 32), h = bytes(qh + l);
                    int is = l / 16;
                    six(a.and((byte) 15), h.and((byte) 3), d * data.get(I8, sc + is)).intoArray(dst, o + l);
                    six(a2.and((byte) 15), h.lanewise(VectorOperators.LSHR, 2).and((byte) 3), d * data.get(I8, sc + is + 2)).intoArray(dst, o + l + 32);
                    six(a.lanewise(VectorOperators.LSHR, 4), h.lanewise(VectorOperators.LSHR, 4).and((byte) 3), d * data.get(I8, sc + is + 4)).intoArray(dst, o + l + 64);
                    six(a2.lanewise(VectorOperators.LSHR, 4), h.lanewise(VectorOperators.LSHR, 6), d * data.get(I8, sc + is + 6)).intoArray(dst, o + l + 96);
                }
            }
        }
    }

    /**
     * Decode and dot fused (the lm head of llama.cpp's Q4_0/Q4_K_M files is Q6_K: decode reads it for every token):
     * per LANES values (one 16-value scale group or half of one) the (q - 32) * x products are formed, scaled by
     * d * scale and accumulated; the row is never stored. One method with no helper calls, so that every vector
     * operation is inlined (see Q8_0Tensor#dot).
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long b = row * (cols / BLOCK) * BYTES;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b + 208));
            for (int half = 0; half < 2; half++) {
                long ql = b + half * 64, qh = b + 128 + half * 32, sc = b + 192 + half * 8;
                int o = xOff + c + half * 128;
                for (int l = 0; l < 32; l += LANES) {
                    ByteVector a = ByteVector.fromMemorySegment(B, data, ql + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector a2 = ByteVector.fromMemorySegment(B, data, ql + l + 32, ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(B, data, qh + l, ByteOrder.LITTLE_ENDIAN);
                    int is = l / 16;
                    // x86 has no byte shift: shift the bytes as int lanes, then mask off what crossed from a neighbour
                    IntVector ai = (IntVector) a.reinterpretAsInts(), a2i = (IntVector) a2.reinterpretAsInts(), hi = (IntVector) h.reinterpretAsInts();
                    ByteVector q0 = a.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                    ByteVector q1 = a2.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                    ByteVector q2 = ai.lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).or(h.and((byte) 48)).sub((byte) 32);
                    ByteVector q3 = a2i.lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                            .or(hi.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                    FloatVector p0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, o + l));
                    FloatVector p1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, o + l + 32));
                    FloatVector p2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, o + l + 64));
                    FloatVector p3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, o + l + 96));
                    acc0 = p0.fma(FloatVector.broadcast(F, d * data.get(I8, sc + is)), acc0);
                    acc1 = p1.fma(FloatVector.broadcast(F, d * data.get(I8, sc + is + 2)), acc1);
                    acc0 = p2.fma(FloatVector.broadcast(F, d * data.get(I8, sc + is + 4)), acc0);
                    acc1 = p3.fma(FloatVector.broadcast(F, d * data.get(I8, sc + is + 6)), acc1);
                }
            }
        }
        return VectorMath.sum(acc0.add(acc1));
    }

    /** scale * ((low | high << 4) - 32) for LANES values. */
    private static FloatVector six(ByteVector low, ByteVector high, float scale) {
        return floats(low.or(high.lanewise(VectorOperators.LSHL, 4)).sub((byte) 32)).mul(scale);
    }

    /** LANES bytes at {@code at} (LANES = the float lanes per step: 16 with 512-bit vectors, else 8). */
    private ByteVector bytes(long at) {
        return ByteVector.fromMemorySegment(B, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatVector floats(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, F, 0);
    }
}
