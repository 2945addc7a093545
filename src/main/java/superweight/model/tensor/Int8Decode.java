package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2F;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * Decode (one position) for Q4_0 x Q8_0 and Q8_0 x Q8_0 on a group of weight rows at once: the same integer block
 * sums and float steps as {@link Int8Kernels} (so the same bits), arranged for speed. Per block, each row's
 * products are summed in vector lanes along k, and the group's partial-sum vectors are folded into one vector by a
 * transposing tree (add each vector to a lane-permuted copy of itself, keep alternate lanes from two rows), so
 * that lane j ends up holding row j's block sum: one fold costs a few operations per row where a lane reduction per
 * row costs a long dependent chain. The block's float step of llama.cpp's reference dot then runs lane-wise, one
 * lane per row, in block order.
 *
 * <p>Q4_0 folds 16 rows in 16-bit lanes, modulo 2^16: the nibbles are taken unsigned (0..15) and the offset comes
 * back as 8 * sum(qy) of the activation block, shared by all rows, subtracted after the fold; the exact block sum
 * lies in [-32512, 32512], so its value modulo 2^16 determines it. Q8_0 (block sums up to 32 * 128 * 127) widens
 * the 16-bit pair sums into 32-bit lanes and folds 8 rows there.
 *
 * <p>The lanes are fixed at 256 bits (16 shorts, 8 ints) whatever {@link VectorMath#S}: the result does not depend
 * on the width (integer sums are exact, the float step is per lane), and 256-bit integer vectors exist on AVX2 and
 * AVX-512 alike.
 */
final class Int8Decode {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> SH = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> IN = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    /** Rows per group: Q4_0 one per 16-bit lane, Q8_0 one per 32-bit lane. */
    static final int Q4_0_ROWS = 16, Q8_0_ROWS = 8;

    // The fold's lane permutations (over 32-bit lanes) and which lanes the second vector keeps, as 16-bit masks.
    private static final VectorShuffle<Integer> SWAP_1 = VectorShuffle.fromValues(IN, 1, 0, 3, 2, 5, 4, 7, 6);
    private static final VectorShuffle<Integer> SWAP_2 = VectorShuffle.fromValues(IN, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Integer> SWAP_4 = VectorShuffle.fromValues(IN, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorMask<Short> ODD_SHORTS = VectorMask.fromLong(SH, 0xAAAAL);
    private static final VectorMask<Short> ODD_INTS_AS_SHORTS = VectorMask.fromLong(SH, 0xCCCCL);
    private static final VectorMask<Integer> ODD_INTS = VectorMask.fromLong(IN, 0xAAL);
    /** Which group of four rows (Q4_0) or two rows (Q8_0) each lane of the final sums takes. */
    private static final ShortVector LANE_PAIR_16 = ShortVector.fromArray(SH, new short[]{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7}, 0);
    private static final IntVector LANE_PAIR = IntVector.fromArray(IN, new int[]{0, 0, 1, 1, 2, 2, 3, 3}, 0);

    private Int8Decode() {
    }

    /** Rows per group for {@code t}'s storage type, or 0 when it has no group kernel (the row kernel serves it). */
    static int groupRows(StoredTensor t) {
        return t instanceof Q4_0Tensor ? Q4_0_ROWS : t instanceof Q8_0Tensor ? Q8_0_ROWS : 0;
    }

    /**
     * out[r] = dot(row sourceRows[r], position 0 of a) for r in [from, to): whole groups here, the rest by the row
     * kernel (which gives the same bits).
     */
    static void rows(StoredTensor t, long[] sourceRows, int from, int to, Q8Activations a, float[] out) {
        int g = groupRows(t), r = from;
        if (g > 0) {
            long rowBytes = (long) a.blocks * (t instanceof Q4_0Tensor ? Q4_0Tensor.BYTES : Q8_0Tensor.BYTES);
            long[] at = new long[g];
            float[] scales = new float[g];
            for (; r + g <= to; r += g) {
                for (int j = 0; j < g; j++) at[j] = sourceRows[r + j] * rowBytes;
                if (g == Q4_0_ROWS) q4_0(t.data, at, a, scales, out, r);
                else q8_0(t.data, at, a, scales, out, r);
            }
        }
        for (; r < to; r++) Int8Kernels.rowDots(t, sourceRows[r], a, out, r, 1);
    }

    /** Sixteen Q4_0 rows (byte offsets at[j]) against position 0: out[outAt + j], sumf += sumi * dx * dy per block. */
    private static void q4_0(MemorySegment w, long[] at, Q8Activations a, float[] dx, float[] out, int outAt) {
        FloatVector sum0 = FloatVector.zero(F), sum1 = sum0;
        for (int i = 0; i < a.blocks; i++) {
            ShortVector y0 = (ShortVector) ByteVector.fromArray(B, a.qs, i * 32).convertShape(B2S, SH, 0);
            ShortVector y1 = (ShortVector) ByteVector.fromArray(B, a.qs, i * 32 + 16).convertShape(B2S, SH, 0);
            long off = (long) i * Q4_0Tensor.BYTES;
            ShortVector sums = ShortVector.zero(SH);
            // two rows at a time (a loop, not unrolled: more inlined row products exceed the JIT's node budget)
            for (int q = 0; q < Q4_0_ROWS; q += 2) {
                ShortVector two = pair(nibbleDots(w, at[q] + off, y0, y1), nibbleDots(w, at[q + 1] + off, y0, y1));
                // complete the sums in every 32-bit lane (low half row q, high half row q + 1), keep lane q / 2
                two = two.add(two.reinterpretAsInts().rearrange(SWAP_1).reinterpretAsShorts());
                two = two.add(two.reinterpretAsInts().rearrange(SWAP_2).reinterpretAsShorts());
                two = two.add(two.reinterpretAsInts().rearrange(SWAP_4).reinterpretAsShorts());
                sums = sums.blend(two, LANE_PAIR_16.eq((short) (q / 2)));
            }
            // the unsigned nibbles' offset: sum((q - 8) qy) = sum(q qy) - 8 sum(qy), exact modulo 2^16
            ShortVector sumi = sums.sub((short) (8 * a.qsum[i]));
            for (int j = 0; j < Q4_0_ROWS; j++) dx[j] = StoredTensor.f16(w.get(StoredTensor.I16, at[j] + off));
            float dy = a.d[i];
            sum0 = sum0.add(((FloatVector) sumi.convertShape(S2F, F, 0)).mul(FloatVector.fromArray(F, dx, 0)).mul(dy));
            sum1 = sum1.add(((FloatVector) sumi.convertShape(S2F, F, 1)).mul(FloatVector.fromArray(F, dx, 8)).mul(dy));
        }
        sum0.intoArray(out, outAt);
        sum1.intoArray(out, outAt + 8);
    }

    /** Per 16-bit lane e: q[e] * qy[e] + q[e + 16] * qy[e + 16] with unsigned nibbles (|lane| <= 2 * 15 * 127). */
    private static ShortVector nibbleDots(MemorySegment w, long blockAt, ShortVector y0, ShortVector y1) {
        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, w, blockAt + 2, LE).convertShape(ZERO_EXTEND_B2S, SH, 0);
        return q.and((short) 15).mul(y0).add(q.lanewise(LSHR, 4).mul(y1));
    }

    /** 16-bit lanes of rows a and b: lane 2k the sum of a's lanes 2k, 2k+1, lane 2k+1 the same of b. */
    private static ShortVector pair(ShortVector a, ShortVector b) {
        ShortVector lo = a.add(a.reinterpretAsInts().lanewise(LSHR, 16).reinterpretAsShorts());
        ShortVector hi = b.add(b.reinterpretAsInts().lanewise(LSHL, 16).reinterpretAsShorts());
        return lo.blend(hi, ODD_SHORTS);
    }

    /** x plus its 32-bit lanes permuted, in the lanes of {@code second} taken from y treated alike (16-bit sums). */
    private static ShortVector fold(ShortVector x, ShortVector y, VectorShuffle<Integer> swap, VectorMask<Short> second) {
        ShortVector xs = x.add(x.reinterpretAsInts().rearrange(swap).reinterpretAsShorts());
        ShortVector ys = y.add(y.reinterpretAsInts().rearrange(swap).reinterpretAsShorts());
        return xs.blend(ys, second);
    }

    /** Eight Q8_0 rows against position 0: out[outAt + j], sumf += sumi * (dx * dy) per block. */
    private static void q8_0(MemorySegment w, long[] at, Q8Activations a, float[] dx, float[] out, int outAt) {
        FloatVector sum = FloatVector.zero(F);
        for (int i = 0; i < a.blocks; i++) {
            ShortVector y0 = (ShortVector) ByteVector.fromArray(B, a.qs, i * 32).convertShape(B2S, SH, 0);
            ShortVector y1 = (ShortVector) ByteVector.fromArray(B, a.qs, i * 32 + 16).convertShape(B2S, SH, 0);
            long off = (long) i * Q8_0Tensor.BYTES;
            IntVector sumi = IntVector.zero(IN);
            for (int q = 0; q < Q8_0_ROWS; q += 2) {
                IntVector two = foldInts(byteDots(w, at[q] + off, y0, y1), byteDots(w, at[q + 1] + off, y0, y1), SWAP_1, ODD_INTS);
                two = two.add(two.rearrange(SWAP_2));
                two = two.add(two.rearrange(SWAP_4));
                // every even lane holds row q's sum, every odd lane row q + 1's: keep lanes q, q + 1
                sumi = sumi.blend(two, LANE_PAIR.eq(q / 2));
            }
            for (int j = 0; j < Q8_0_ROWS; j++) dx[j] = StoredTensor.f16(w.get(StoredTensor.I16, at[j] + off));
            FloatVector d = FloatVector.fromArray(F, dx, 0).mul(a.d[i]);
            sum = sum.add(((FloatVector) sumi.convertShape(I2F, F, 0)).mul(d));
        }
        sum.intoArray(out, outAt);
    }

    /** Per 32-bit lane e: the sum of the four products of values 2e, 2e+1, 16+2e, 17+2e (16-bit products, exact). */
    private static IntVector byteDots(MemorySegment w, long blockAt, ShortVector y0, ShortVector y1) {
        ShortVector x0 = (ShortVector) ByteVector.fromMemorySegment(B, w, blockAt + 2, LE).convertShape(B2S, SH, 0);
        ShortVector x1 = (ShortVector) ByteVector.fromMemorySegment(B, w, blockAt + 18, LE).convertShape(B2S, SH, 0);
        // |q x qy| <= 128 * 127, two of them fit 16 bits; the 16-bit pairs are then sign-extended into 32 bits
        IntVector v = x0.mul(y0).add(x1.mul(y1)).reinterpretAsInts();
        return v.lanewise(LSHL, 16).lanewise(ASHR, 16).add(v.lanewise(ASHR, 16));
    }

    private static IntVector foldInts(IntVector x, IntVector y, VectorShuffle<Integer> swap, VectorMask<Integer> second) {
        return x.add(x.rearrange(swap)).blend(y.add(y.rearrange(swap)), second);
    }
}
