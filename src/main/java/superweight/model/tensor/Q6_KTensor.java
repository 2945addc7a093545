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
    /** The fused dot's lanes: 8 code bytes widened to 8 ints, then 8 floats. */
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> I8L = IntVector.SPECIES_256;
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
                    // the four quarters as a loop, one call site of six: written out four times, C2 reached its
                    // node-count cutoff before the last call and boxed its vectors on every step
                    for (int k = 0; k < 4; k++) {
                        ByteVector q = (k & 1) == 0 ? a : a2;
                        ByteVector low = k < 2 ? q.and((byte) 15) : q.lanewise(VectorOperators.LSHR, 4);
                        six(low, h.lanewise(VectorOperators.LSHR, 2 * k).and((byte) 3), d * data.get(I8, sc + is + 2 * k)).intoArray(dst, o + l + 32 * k);
                    }
                }
            }
        }
    }

    /**
     * Decode and dot fused (the lm head of llama.cpp's Q4_0/Q4_K_M files is Q6_K: decode reads it for every token).
     * One flat loop over the row's 64-value groups (values l .. l + 16 of the four quarters of a half super-block:
     * 32 ql bytes and 16 qh bytes); nested loops over super-blocks, halves and steps kept their offsets in stack
     * slots and cost about as much as the arithmetic. Each group assembles the six-bit codes of its four quarters in 32-bit lanes, 8 at a
     * time from 8 bytes zero-extended straight to ints (widening 16 bytes through 16-bit lanes needed a lane-crossing
     * shuffle for every upper half); each scale group's 16 products (q - 32) * x are summed first (the first 8 by
     * mul, the next 8 fused in) and then scaled once by d * scale, into two accumulators in the order of the
     * super-block's scales. Fixed 256-bit lanes, so the result does not depend on the vector width. One method with
     * no helper calls, so that every vector operation is inlined (see Q8_0Tensor#dot).
     */
    @Override
    public float dot(long row, float[] x, int xOff) {
        long rowStart = row * (cols / BLOCK) * BYTES;
        FloatVector acc0 = FloatVector.zero(F8), acc1 = acc0;
        for (int group = 0, groups = cols / 64; group < groups; group++) {
            // super-block group / 4; half (group / 2) % 2 of it; within the half, values l .. l + 16 of each quarter
            long b = rowStart + (long) (group >> 2) * BYTES;
            int half = (group >> 1) & 1, l = (group & 1) * 16;
            long ql = b + half * 64 + l, qh = b + 128 + half * 32 + l;
            int o = xOff + (group >> 2) * BLOCK + half * 128 + l;
            // the group's two steps of 8 values as a loop, not written out twice: C2 parses the body once, and the
            // written-out form passed its node-count cutoff for inlining in some JIT runs (its vectors boxed,
            // decode 1.5x slower in those runs; session 13). fma onto -0 is the product exactly, sign of zero
            // included, so the first step's fma is the former multiply.
            FloatVector g0 = FloatVector.broadcast(F8, -0f), g1 = g0, g2 = g0, g3 = g0;
            for (int step = 0; step < 16; step += 8) {
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B8, data, ql + step, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8L, 0);
                IntVector q2 = (IntVector) ByteVector.fromMemorySegment(B8, data, ql + 32 + step, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8L, 0);
                IntVector h = (IntVector) ByteVector.fromMemorySegment(B8, data, qh + step, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2I, I8L, 0);
                // quarter k of the half: values o + 32k ..; scale group 2k + l / 16
                g0 = ((FloatVector) q1.and(15).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32).convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.fromArray(F8, x, o + step), g0);
                g1 = ((FloatVector) q2.and(15).or(h.and(12).lanewise(VectorOperators.LSHL, 2)).sub(32).convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.fromArray(F8, x, o + 32 + step), g1);
                g2 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).or(h.and(48)).sub(32).convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.fromArray(F8, x, o + 64 + step), g2);
                g3 = ((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and(48)).sub(32).convertShape(VectorOperators.I2F, F8, 0)).fma(FloatVector.fromArray(F8, x, o + 96 + step), g3);
            }
            float d = f16(data.get(I16, b + 208));
            long sc = b + 192 + half * 8 + l / 16;
            acc0 = g0.fma(FloatVector.broadcast(F8, d * data.get(I8, sc)), acc0);
            acc1 = g1.fma(FloatVector.broadcast(F8, d * data.get(I8, sc + 2)), acc1);
            acc0 = g2.fma(FloatVector.broadcast(F8, d * data.get(I8, sc + 4)), acc0);
            acc1 = g3.fma(FloatVector.broadcast(F8, d * data.get(I8, sc + 6)), acc1);
        }
        // VectorMath.sum's tree for 8 lanes, written out: C2 has reached its node-count cutoff by this call and did not
        // inline it, so the vector was boxed on every row (the same operations, so the same bits)
        FloatVector s = acc0.add(acc1);
        s = s.add(s.rearrange(VectorMath.SWAP_8_1));
        s = s.add(s.rearrange(VectorMath.SWAP_8_2));
        s = s.add(s.rearrange(VectorMath.SWAP_8_4));
        return s.lane(0);
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
