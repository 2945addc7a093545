package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * Quantized weights times 8-bit activations ({@link Q8Activations}), as llama.cpp's reference dot products compute
 * them ({@code ggml_vec_dot_q8_0_q8_0}, {@code _q4_0_q8_0}, {@code _q4_1_q8_1}, {@code _q4_K_q8_K},
 * {@code _q5_K_q8_K}, {@code _q6_K_q8_K}, the generic C paths of ggml-cpu-quants.c): the products of each block
 * are summed in integers (exact, so the vector lanes may sum them in any order), and the floats follow the C code
 * operation for operation, in its order: per 32-value block {@code sumf += sumi * (dx * dy)} and its siblings, per
 * K-quant super-block eight float partial sums (one per value index mod 8) added at the end. Each output is
 * therefore a function of its weight row and its position's quantized activations alone: the same bits at any
 * thread count, batch split, vector width, and in prefill and decode alike.
 *
 * <p>The Vector API has no int8 dot-product instruction (VNNI). Q8_0, Q4_K and Q5_K sum integers in float lanes,
 * exactly (the formulation that measured fastest, docs/performance.md); Q4_0/Q4_1 sum in 16-bit lanes (their block
 * sums fit) and follow {@link VectorMath#S}'s width like Q8_0 and Q4_K/Q5_K; Q6_K multiplies in 16-bit lanes and
 * sums in 32-bit ones, at a fixed 256 bits.
 */
final class Int8Kernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BITS = VectorMath.S.vectorBitSize();
    /** 16-value nibble halves (Q4_0, Q4_1): at most 16 lanes. */
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.min(BITS, 256)));
    private static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.min(BITS, 256) / 2));
    private static final int H = SH.length();
    /**
     * Q4_K, Q5_K: C 32-bit lanes (at least 8, so that lane i holds the values of index i mod 8 the C code keeps
     * apart), float lanes holding integers: every partial sum of a super-block's lane stays below 2^24 in magnitude
     * (at most 32 values x |scale| 63 x 31 x 127), so the float products and sums are exact.
     */
    private static final VectorSpecies<Float> FK = VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(BITS, 256)));
    private static final VectorSpecies<Byte> BK = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(BITS, 256) / 4));
    private static final int C = FK.length();
    /** Q6_K: 16 bytes widened to 16 shorts (one 16-value group), 8 ints and floats (one lane per index mod 8). */
    private static final VectorSpecies<Byte> B6 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S6 = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> I6 = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F6 = FloatVector.SPECIES_256;
    private static final VectorMask<Short> UPPER_SHORTS = VectorMask.fromLong(S6, 0xFF00L);
    private static final VectorShuffle<Short> SWAP_HALVES = VectorShuffle.fromValues(S6, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);

    private Int8Kernels() {
    }

    /** The activation format llama.cpp pairs with this storage type, or null when there is no integer kernel. */
    static Q8Activations.Format activationFormat(Tensor t) {
        return switch (t) {
            case Q8_0Tensor _, Q4_0Tensor _ -> Q8Activations.Format.Q8_0;
            case Q4_1Tensor _ -> Q8Activations.Format.Q8_1;
            case Q4_KTensor _, Q5_KTensor _, Q6_KTensor _ -> Q8Activations.Format.Q8_K;
            default -> null;
        };
    }

    /** out[outAt + p * stride] = dot(row, position p of a) for every position of a. */
    static void rowDots(StoredTensor t, long row, Q8Activations a, float[] out, int outAt, int stride) {
        switch (t) {
            case Q8_0Tensor q -> q8_0(q.data, row * a.blocks * Q8_0Tensor.BYTES, a, out, outAt, stride);
            case Q4_0Tensor q -> q4_0(q.data, row * a.blocks * Q4_0Tensor.BYTES, a, out, outAt, stride);
            case Q4_1Tensor q -> q4_1(q.data, row * a.blocks * Q4_1Tensor.BYTES, a, out, outAt, stride);
            case Q4_KTensor q -> q45_K(q.data, row * a.blocks * Q4_KTensor.BYTES, false, a, out, outAt, stride);
            case Q5_KTensor q -> q45_K(q.data, row * a.blocks * Q5_KTensor.BYTES, true, a, out, outAt, stride);
            case Q6_KTensor q -> q6_K(q.data, row * a.blocks * Q6_KTensor.BYTES, a, out, outAt, stride);
            default -> throw new IllegalArgumentException(t + " has no int8 kernel");
        }
    }

    /** Q8_0 x Q8_0: per block sumi = sum(qx * qy), sumf += sumi * (dx * dy). */
    private static void q8_0(MemorySegment w, long rowAt, Q8Activations a, float[] out, int outAt, int stride) {
        float[] ys = a.values();
        for (int p = 0; p < a.n; p++) {
            float sumf = 0f;
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += Q8_0Tensor.BYTES, x += 32) {
                // integers in float lanes: |partial sums| <= 32 * 128 * 127 < 2^24, so every step is exact
                FloatVector acc = FloatVector.zero(FK);
                for (int j = 0; j < 32; j += C) {
                    FloatVector qx = (FloatVector) ByteVector.fromMemorySegment(BK, w, b + 2 + j, LE).convertShape(B2F, FK, 0);
                    acc = qx.fma(FloatVector.fromArray(FK, ys, x + j), acc);
                }
                int sumi = (int) acc.reduceLanes(ADD);
                sumf += sumi * (StoredTensor.f16(w.get(StoredTensor.I16, b)) * a.d[p * a.blocks + i]);
            }
            out[outAt + p * stride] = sumf;
        }
    }

    /** Q4_0 x Q8_0: sumi = sum((nibble - 8) * qy), sumf += sumi * dx * dy (left to right, as in C). */
    private static void q4_0(MemorySegment w, long rowAt, Q8Activations a, float[] out, int outAt, int stride) {
        for (int p = 0; p < a.n; p++) {
            float sumf = 0f;
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += Q4_0Tensor.BYTES, x += 32) {
                // Every partial sum is bounded by 32 * 8 * 127 = 32512: 16-bit lanes never overflow.
                ShortVector acc = ShortVector.zero(SH);
                for (int h = 0; h < 16; h += H) {
                    ByteVector q = ByteVector.fromMemorySegment(BH, w, b + 2 + h, LE);
                    ShortVector lo = (ShortVector) q.and((byte) 15).sub((byte) 8).convertShape(B2S, SH, 0);
                    ShortVector hi = (ShortVector) q.lanewise(LSHR, 4).sub((byte) 8).convertShape(B2S, SH, 0);
                    ShortVector y0 = (ShortVector) ByteVector.fromArray(BH, a.qs, x + h).convertShape(B2S, SH, 0);
                    ShortVector y1 = (ShortVector) ByteVector.fromArray(BH, a.qs, x + 16 + h).convertShape(B2S, SH, 0);
                    acc = acc.add(lo.mul(y0)).add(hi.mul(y1));
                }
                int sumi = acc.reduceLanes(ADD);
                sumf += sumi * StoredTensor.f16(w.get(StoredTensor.I16, b)) * a.d[p * a.blocks + i];
            }
            out[outAt + p * stride] = sumf;
        }
    }

    /** Q4_1 x Q8_1: sumf += (dx * dy) * sumi + mx * sy, sy the activation block's f16(dy * sum(qy)). */
    private static void q4_1(MemorySegment w, long rowAt, Q8Activations a, float[] out, int outAt, int stride) {
        for (int p = 0; p < a.n; p++) {
            float sumf = 0f;
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += Q4_1Tensor.BYTES, x += 32) {
                // Unsigned nibbles: each half's sum is at most 16 * 15 * 127 = 30480, the halves are added as ints.
                ShortVector lo = ShortVector.zero(SH), hi = lo;
                for (int h = 0; h < 16; h += H) {
                    ByteVector q = ByteVector.fromMemorySegment(BH, w, b + 4 + h, LE);
                    ShortVector y0 = (ShortVector) ByteVector.fromArray(BH, a.qs, x + h).convertShape(B2S, SH, 0);
                    ShortVector y1 = (ShortVector) ByteVector.fromArray(BH, a.qs, x + 16 + h).convertShape(B2S, SH, 0);
                    lo = lo.add(((ShortVector) q.and((byte) 15).convertShape(B2S, SH, 0)).mul(y0));
                    hi = hi.add(((ShortVector) q.lanewise(LSHR, 4).convertShape(B2S, SH, 0)).mul(y1));
                }
                int sumi = (int) lo.reduceLanes(ADD) + (int) hi.reduceLanes(ADD);
                int blk = p * a.blocks + i;
                float dx = StoredTensor.f16(w.get(StoredTensor.I16, b)), mx = StoredTensor.f16(w.get(StoredTensor.I16, b + 2));
                sumf += (dx * a.d[blk]) * sumi + mx * a.s[blk];
            }
            out[outAt + p * stride] = sumf;
        }
    }

    /**
     * Q4_K / Q5_K x Q8_K: per super-block aux32[l] = sum over sub-blocks of scale * sum(q * qy) over the values of
     * index l mod 8, sums[l] += (dx * dy) * aux32[l], sumf -= (dmin * dy) * sum(bsums[j] * min[j / 2]); at the
     * end sumf += sums[0], ..., sums[7].
     */
    private static void q45_K(MemorySegment w, long rowAt, boolean five, Q8Activations a, float[] out, int outAt, int stride) {
        int bytes = five ? Q5_KTensor.BYTES : Q4_KTensor.BYTES, qsAt = five ? 48 : 16;
        float[] lanes = new float[C], sums = new float[8];
        // the row's 6-bit sub-block scales and minimums, unpacked once for all positions
        int[] scales = new int[a.blocks * 8], mins = new int[a.blocks * 8];
        float[] ys = a.values();
        for (int i = 0; i < a.blocks; i++) {
            for (int sub = 0; sub < 8; sub++) {
                scales[i * 8 + sub] = KQuants.scale(w, rowAt + (long) i * bytes + 4, sub);
                mins[i * 8 + sub] = KQuants.min(w, rowAt + (long) i * bytes + 4, sub);
            }
        }
        for (int p = 0; p < a.n; p++) {
            float sumf = 0f;
            java.util.Arrays.fill(sums, 0f);
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += bytes, x += 256) {
                FloatVector acc = FloatVector.zero(FK);
                for (int g = 0; g < 4; g++) {
                    FloatVector lo = FloatVector.zero(FK), hi = lo;
                    for (int l = 0; l < 32; l += C) {
                        ByteVector q = ByteVector.fromMemorySegment(BK, w, b + qsAt + g * 32 + l, LE);
                        ByteVector ql = q.and((byte) 15), qh = q.lanewise(LSHR, 4);
                        if (five) {
                            ByteVector h = ByteVector.fromMemorySegment(BK, w, b + 16 + l, LE).lanewise(LSHR, 2 * g);
                            ql = ql.or(h.and((byte) 1).lanewise(LSHL, 4));
                            qh = qh.or(h.and((byte) 2).lanewise(LSHL, 3));
                        }
                        FloatVector y0 = FloatVector.fromArray(FK, ys, x + g * 64 + l);
                        FloatVector y1 = FloatVector.fromArray(FK, ys, x + g * 64 + 32 + l);
                        lo = ((FloatVector) ql.convertShape(B2F, FK, 0)).fma(y0, lo);
                        hi = ((FloatVector) qh.convertShape(B2F, FK, 0)).fma(y1, hi);
                    }
                    acc = lo.fma(FloatVector.broadcast(FK, scales[i * 8 + 2 * g]), acc);
                    acc = hi.fma(FloatVector.broadcast(FK, scales[i * 8 + 2 * g + 1]), acc);
                }
                int blk = p * a.blocks + i, sumi = 0;
                for (int j = 0; j < 16; j++) sumi += a.bsums[blk * 16 + j] * mins[i * 8 + j / 2];
                acc.intoArray(lanes, 0);
                float d = StoredTensor.f16(w.get(StoredTensor.I16, b)) * a.d[blk];
                for (int l = 0; l < 8; l++) sums[l] += d * foldMod8(lanes, l);
                float dmin = StoredTensor.f16(w.get(StoredTensor.I16, b + 2)) * a.d[blk];
                sumf -= dmin * sumi;
            }
            for (int l = 0; l < 8; l++) sumf += sums[l];
            out[outAt + p * stride] = sumf;
        }
    }

    /**
     * Q6_K x Q8_K: per super-block aux32[l] = sum over the 16-value groups of scale * sum((q - 32) * qy) over the
     * values of index l mod 8, sums[l] += (d * dy) * aux32[l]; at the end sumf = sums[0] + ... + sums[7].
     *
     * <p>Integers in 16-bit lanes, fixed at 256 bits: one vector holds one 16-value group, |(q - 32) * qy| <= 32 * 128,
     * so the products are exact; lanes e and e + 8 (the same index mod 8) are added by a half swap that also packs
     * two groups into one vector (|sum| <= 2^13), each half is widened to 32-bit lanes and multiplied by its scale. Lane
     * l of the 32-bit accumulator is then aux32[l] itself (|aux32| <= 32 * 4096 * 128 = 2^24), so the float step runs
     * lane-wise with no fold: measured 2.5-2.7x faster than float lanes folded mod 8 (docs/performance.md, session 6).
     */
    private static void q6_K(MemorySegment w, long rowAt, Q8Activations a, float[] out, int outAt, int stride) {
        short[] ys = a.shorts();
        for (int p = 0; p < a.n; p++) {
            FloatVector sums = FloatVector.zero(F6);
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += Q6_KTensor.BYTES, x += 256) {
                IntVector aux = IntVector.zero(I6);
                for (int half = 0; half < 2; half++) {
                    long ql = b + half * 64, qh = b + 128 + half * 32, sc = b + 192 + half * 8;
                    for (int l = 0, y = x + half * 128; l < 32; l += 16) {
                        ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B6, w, ql + l, LE).convertShape(ZERO_EXTEND_B2S, S6, 0);
                        ShortVector q2 = (ShortVector) ByteVector.fromMemorySegment(B6, w, ql + l + 32, LE).convertShape(ZERO_EXTEND_B2S, S6, 0);
                        ShortVector h = (ShortVector) ByteVector.fromMemorySegment(B6, w, qh + l, LE).convertShape(ZERO_EXTEND_B2S, S6, 0);
                        // the four groups of this l: quarter k is group 2k + l / 16 of the half, scale sc[l / 16 + 2k]
                        ShortVector p0 = q1.and((short) 15).or(h.and((short) 3).lanewise(LSHL, 4)).sub((short) 32).mul(ShortVector.fromArray(S6, ys, y + l));
                        ShortVector p1 = q2.and((short) 15).or(h.and((short) 12).lanewise(LSHL, 2)).sub((short) 32).mul(ShortVector.fromArray(S6, ys, y + l + 32));
                        ShortVector p2 = q1.lanewise(LSHR, 4).or(h.and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S6, ys, y + l + 64));
                        ShortVector p3 = q2.lanewise(LSHR, 4).or(h.lanewise(LSHR, 2).and((short) 48)).sub((short) 32).mul(ShortVector.fromArray(S6, ys, y + l + 96));
                        // lanes 0-7: p0[e] + p0[e + 8]; lanes 8-15: p1[e - 8] + p1[e]
                        ShortVector p01 = p0.blend(p1, UPPER_SHORTS).add(p1.blend(p0, UPPER_SHORTS).rearrange(SWAP_HALVES));
                        ShortVector p23 = p2.blend(p3, UPPER_SHORTS).add(p3.blend(p2, UPPER_SHORTS).rearrange(SWAP_HALVES));
                        int is = l / 16;
                        aux = aux.add(((IntVector) p01.convertShape(S2I, I6, 0)).mul(w.get(StoredTensor.I8, sc + is)))
                                .add(((IntVector) p01.convertShape(S2I, I6, 1)).mul(w.get(StoredTensor.I8, sc + is + 2)))
                                .add(((IntVector) p23.convertShape(S2I, I6, 0)).mul(w.get(StoredTensor.I8, sc + is + 4)))
                                .add(((IntVector) p23.convertShape(S2I, I6, 1)).mul(w.get(StoredTensor.I8, sc + is + 6)));
                    }
                }
                float d = StoredTensor.f16(w.get(StoredTensor.I16, b + 208)) * a.d[p * a.blocks + i];
                sums = sums.add(((FloatVector) aux.convertShape(I2F, F6, 0)).mul(d));
            }
            float sumf = 0f;
            for (int l = 0; l < 8; l++) sumf += sums.lane(l);
            out[outAt + p * stride] = sumf;
        }
    }

    /** The sum of the lanes of index l mod 8 (lane i holds the values of index i mod C, C a multiple of 8): exact integers. */
    private static int foldMod8(float[] lanes, int l) {
        int s = 0;
        for (int i = l; i < C; i += 8) s += (int) lanes[i];
        return s;
    }
}
