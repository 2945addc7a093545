package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

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
 * <p>The Vector API has no int8 dot-product instruction (VNNI); the integer sums widen bytes to 16-bit lanes,
 * multiply there, and add pairs of 16-bit products into 32-bit lanes (the formulation that measured fastest,
 * docs/performance.md). Every kernel follows {@link VectorMath#S}'s width.
 */
final class Int8Kernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BITS = VectorMath.S.vectorBitSize();
    /** 32-value blocks of int8: L 16-bit lanes per step, from L bytes. */
    private static final VectorSpecies<Short> SW = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Byte> BW = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Integer> IW = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final int L = SW.length();
    /** 16-value nibble halves (Q4_0, Q4_1): at most 16 lanes. */
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.min(BITS, 256)));
    private static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.min(BITS, 256) / 2));
    private static final int H = SH.length();
    /** K-quants: C 32-bit lanes (at least 8, so that lane i holds the values of index i mod 8 the C code keeps apart). */
    private static final VectorSpecies<Integer> IK = VectorSpecies.of(int.class, VectorShape.forBitSize(Math.max(BITS, 256)));
    private static final VectorSpecies<Byte> BK = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(BITS, 256) / 4));
    private static final int C = IK.length();

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
        for (int p = 0; p < a.n; p++) {
            float sumf = 0f;
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += Q8_0Tensor.BYTES, x += 32) {
                IntVector acc = IntVector.zero(IW);
                for (int j = 0; j < 32; j += L) {
                    ShortVector qx = (ShortVector) ByteVector.fromMemorySegment(BW, w, b + 2 + j, LE).convertShape(B2S, SW, 0);
                    ShortVector qy = (ShortVector) ByteVector.fromArray(BW, a.qs, x + j).convertShape(B2S, SW, 0);
                    // |qx * qy| <= 128 * 127 fits 16 bits; each 32-bit lane then adds its two 16-bit halves.
                    IntVector pairs = qx.mul(qy).reinterpretAsInts();
                    acc = acc.add(pairs.lanewise(ASHR, 16)).add(pairs.lanewise(LSHL, 16).lanewise(ASHR, 16));
                }
                int sumi = acc.reduceLanes(ADD);
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
        int[] lanes = new int[C];
        float[] sums = new float[8];
        for (int p = 0; p < a.n; p++) {
            float sumf = 0f;
            java.util.Arrays.fill(sums, 0f);
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += bytes, x += 256) {
                IntVector acc = IntVector.zero(IK);
                for (int g = 0; g < 4; g++) {
                    IntVector lo = IntVector.zero(IK), hi = lo;
                    for (int l = 0; l < 32; l += C) {
                        ByteVector q = ByteVector.fromMemorySegment(BK, w, b + qsAt + g * 32 + l, LE);
                        ByteVector ql = q.and((byte) 15), qh = q.lanewise(LSHR, 4);
                        if (five) {
                            ByteVector h = ByteVector.fromMemorySegment(BK, w, b + 16 + l, LE).lanewise(LSHR, 2 * g);
                            ql = ql.or(h.and((byte) 1).lanewise(LSHL, 4));
                            qh = qh.or(h.and((byte) 2).lanewise(LSHL, 3));
                        }
                        IntVector y0 = (IntVector) ByteVector.fromArray(BK, a.qs, x + g * 64 + l).convertShape(B2I, IK, 0);
                        IntVector y1 = (IntVector) ByteVector.fromArray(BK, a.qs, x + g * 64 + 32 + l).convertShape(B2I, IK, 0);
                        lo = lo.add(((IntVector) ql.convertShape(B2I, IK, 0)).mul(y0));
                        hi = hi.add(((IntVector) qh.convertShape(B2I, IK, 0)).mul(y1));
                    }
                    acc = acc.add(lo.mul(KQuants.scale(w, b + 4, 2 * g))).add(hi.mul(KQuants.scale(w, b + 4, 2 * g + 1)));
                }
                int blk = p * a.blocks + i, sumi = 0;
                for (int j = 0; j < 16; j++) sumi += a.bsums[blk * 16 + j] * KQuants.min(w, b + 4, j / 2);
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
     */
    private static void q6_K(MemorySegment w, long rowAt, Q8Activations a, float[] out, int outAt, int stride) {
        int[] lanes = new int[C];
        float[] sums = new float[8];
        for (int p = 0; p < a.n; p++) {
            java.util.Arrays.fill(sums, 0f);
            long b = rowAt;
            for (int i = 0, x = p * a.cols; i < a.blocks; i++, b += Q6_KTensor.BYTES, x += 256) {
                IntVector acc = IntVector.zero(IK);
                for (int half = 0; half < 2; half++) {
                    long ql = b + half * 64, qh = b + 128 + half * 32, sc = b + 192 + half * 8;
                    int y = x + half * 128;
                    for (int l = 0; l < 32; l += C) {
                        ByteVector q1 = ByteVector.fromMemorySegment(BK, w, ql + l, LE);
                        ByteVector q2 = ByteVector.fromMemorySegment(BK, w, ql + l + 32, LE);
                        ByteVector h = ByteVector.fromMemorySegment(BK, w, qh + l, LE);
                        ByteVector v0 = q1.and((byte) 15).or(h.and((byte) 3).lanewise(LSHL, 4)).sub((byte) 32);
                        ByteVector v1 = q2.and((byte) 15).or(h.and((byte) 12).lanewise(LSHL, 2)).sub((byte) 32);
                        ByteVector v2 = q1.lanewise(LSHR, 4).or(h.and((byte) 48)).sub((byte) 32);
                        ByteVector v3 = q2.lanewise(LSHR, 4).or(h.lanewise(LSHR, 2).and((byte) 48)).sub((byte) 32);
                        int is = l / 16;
                        acc = acc.add(product(v0, a.qs, y + l).mul(w.get(StoredTensor.I8, sc + is)))
                                .add(product(v1, a.qs, y + l + 32).mul(w.get(StoredTensor.I8, sc + is + 2)))
                                .add(product(v2, a.qs, y + l + 64).mul(w.get(StoredTensor.I8, sc + is + 4)))
                                .add(product(v3, a.qs, y + l + 96).mul(w.get(StoredTensor.I8, sc + is + 6)));
                    }
                }
                acc.intoArray(lanes, 0);
                float d = StoredTensor.f16(w.get(StoredTensor.I16, b + 208)) * a.d[p * a.blocks + i];
                for (int l = 0; l < 8; l++) sums[l] += d * foldMod8(lanes, l);
            }
            float sumf = 0f;
            for (int l = 0; l < 8; l++) sumf += sums[l];
            out[outAt + p * stride] = sumf;
        }
    }

    /** C signed weights times C activations at qs[at ..], in 32-bit lanes. */
    private static IntVector product(ByteVector q, byte[] qs, int at) {
        return ((IntVector) q.convertShape(B2I, IK, 0)).mul((IntVector) ByteVector.fromArray(BK, qs, at).convertShape(B2I, IK, 0));
    }

    /** The sum of the lanes of index l mod 8 (lane i holds the values of index i mod C, C a multiple of 8). */
    private static int foldMod8(int[] lanes, int l) {
        int s = 0;
        for (int i = l; i < C; i += 8) s += lanes[i];
        return s;
    }
}
