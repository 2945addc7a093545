package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
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
    /** The fused dot's lanes: 16 bytes widened to 16 shorts (one scale group), two vectors of 8 floats. */
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

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
     * the six-bit codes are assembled in 16-bit lanes, 16 at a time (one scale group), each group's (q - 32) * x
     * products summed over its two float vectors first and then scaled once by d * scale (the super-block's sixteen
     * formed together); the row is never stored. Fixed 256-bit lanes, so the result does not depend on the vector
     * width. One method with no helper calls, so that every vector operation is inlined (see Q8_0Tensor#dot).
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long b = row * (cols / BLOCK) * BYTES;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        float[] ds = new float[16];
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b + 208));
            ByteVector scales = ByteVector.fromMemorySegment(B16, data, b + 192, ByteOrder.LITTLE_ENDIAN);
            ((FloatVector) scales.convertShape(VectorOperators.B2F, F8, 0)).mul(d).intoArray(ds, 0);
            ((FloatVector) scales.convertShape(VectorOperators.B2F, F8, 1)).mul(d).intoArray(ds, 8);
            for (int half = 0; half < 2; half++) {
                long ql = b + half * 64, qh = b + 128 + half * 32;
                for (int l = 0, o = xOff + c + half * 128; l < 32; l += 16) {
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql + l, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B16, data, ql + l + 32, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    ShortVector h = (ShortVector) ByteVector.fromMemorySegment(B16, data, qh + l, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    // quarter k of the half: values o + l + 32k .., scale group 2k + l / 16
                    ShortVector v0 = q1.and((short) 15).or(h.and((short) 3).lanewise(VectorOperators.LSHL, 4)).sub((short) 32);
                    ShortVector v1 = q2.and((short) 15).or(h.and((short) 12).lanewise(VectorOperators.LSHL, 2)).sub((short) 32);
                    ShortVector v2 = q1.lanewise(VectorOperators.LSHR, 4).or(h.and((short) 48)).sub((short) 32);
                    ShortVector v3 = q2.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and((short) 48)).sub((short) 32);
                    FloatVector g0 = ((FloatVector) v0.convertShape(VectorOperators.S2F, F8, 0)).mul(FloatVector.fromArray(F8, x, o + l));
                    g0 = ((FloatVector) v0.convertShape(VectorOperators.S2F, F8, 1)).fma(FloatVector.fromArray(F8, x, o + l + 8), g0);
                    FloatVector g1 = ((FloatVector) v1.convertShape(VectorOperators.S2F, F8, 0)).mul(FloatVector.fromArray(F8, x, o + l + 32));
                    g1 = ((FloatVector) v1.convertShape(VectorOperators.S2F, F8, 1)).fma(FloatVector.fromArray(F8, x, o + l + 40), g1);
                    FloatVector g2 = ((FloatVector) v2.convertShape(VectorOperators.S2F, F8, 0)).mul(FloatVector.fromArray(F8, x, o + l + 64));
                    g2 = ((FloatVector) v2.convertShape(VectorOperators.S2F, F8, 1)).fma(FloatVector.fromArray(F8, x, o + l + 72), g2);
                    FloatVector g3 = ((FloatVector) v3.convertShape(VectorOperators.S2F, F8, 0)).mul(FloatVector.fromArray(F8, x, o + l + 96));
                    g3 = ((FloatVector) v3.convertShape(VectorOperators.S2F, F8, 1)).fma(FloatVector.fromArray(F8, x, o + l + 104), g3);
                    int is = half * 8 + l / 16;
                    acc0 = g0.fma(FloatVector.broadcast(F8, ds[is]), acc0);
                    acc1 = g1.fma(FloatVector.broadcast(F8, ds[is + 2]), acc1);
                    acc0 = g2.fma(FloatVector.broadcast(F8, ds[is + 4]), acc0);
                    acc1 = g3.fma(FloatVector.broadcast(F8, ds[is + 6]), acc1);
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
