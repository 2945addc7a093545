package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.S2F;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2S;

/**
 * Decode (one position) for Q4_0 x Q8_0 on sixteen weight rows at once and Q8_0 x Q8_0 on eight: the same integer
 * block sums and float steps as {@link Int8Kernels} (so the same bits), arranged for speed. Per block, each row's
 * products are summed in lanes along k and the rows are folded by transposing steps (add a vector to a
 * lane-permuted copy of itself, keep alternate lanes from two rows), so that in the end lane j holds row j's block
 * sum: a few operations per row where a lane reduction per row is a long dependent chain. The block's
 * float step of llama.cpp's reference dot then runs lane-wise, one lane per row, in block order.
 *
 * <p>Q4_0 sums in 16-bit lanes, modulo 2^16: the nibbles unsigned (0..15), the offset coming back as 8 * sum(qy) of
 * the activation block, shared by all rows, subtracted after the fold; the exact block sum lies in [-32512, 32512],
 * so its value modulo 2^16 determines it. Q8_0 sums integers in float lanes, exactly, as its row kernel does.
 *
 * <p>The lanes are fixed at 256 bits (16 shorts, 8 floats) whatever {@link VectorMath#S}: the result does not
 * depend on the width (integer sums are exact, the float step is per lane), and 256-bit vectors exist on AVX2 and
 * AVX-512 alike. (Session 4's Q8_0 groups, 16-bit products widened into 32-bit lanes, measured bimodal under the
 * JIT; these widen codes to floats, as the row kernel does: docs/performance.md, session 5.)
 */
final class Int8Decode {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    /** Q8_0: eight codes, widened to one 256-bit float vector. */
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Short> SH = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> IN = jdk.incubator.vector.IntVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    /** Rows per group: one per 16-bit lane. */
    static final int Q4_0_ROWS = 16;
    /** Q8_0 rows per group: one per float lane. */
    static final int Q8_0_ROWS = 8;

    // The fold's lane permutations (over 32-bit lanes) and which lanes the second vector keeps, as 16-bit masks.
    private static final VectorShuffle<Integer> SWAP_1 = VectorShuffle.fromValues(IN, 1, 0, 3, 2, 5, 4, 7, 6);
    private static final VectorShuffle<Integer> SWAP_2 = VectorShuffle.fromValues(IN, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Integer> SWAP_4 = VectorShuffle.fromValues(IN, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorMask<Short> ODD_SHORTS = VectorMask.fromLong(SH, 0xAAAAL);
    // Collecting the rows' sums: a rotation down by one 32-bit lane, and the top lane that takes the next two sums. Constants, not masks computed per step: a vector operation whose operand is not a
    // constant the JIT sees may be compiled as a call on boxed vectors, and was, in some runs.
    private static final VectorShuffle<Integer> DOWN_1 = VectorShuffle.fromValues(IN, 1, 2, 3, 4, 5, 6, 7, 0);
    private static final VectorMask<Short> TOP_INT_AS_SHORTS = VectorMask.fromLong(SH, 0xC000L);
    // Q8_0's fold, a tree over float lanes: swaps of neighbouring lanes, pairs and halves, and the lanes each
    // level takes from its second vector.
    private static final VectorShuffle<Float> F_SWAP_1 = VectorShuffle.fromValues(F, 1, 0, 3, 2, 5, 4, 7, 6);
    private static final VectorShuffle<Float> F_SWAP_2 = VectorShuffle.fromValues(F, 2, 3, 0, 1, 6, 7, 4, 5);
    private static final VectorShuffle<Float> F_SWAP_4 = VectorShuffle.fromValues(F, 4, 5, 6, 7, 0, 1, 2, 3);
    private static final VectorMask<Float> ODD_FLOATS = VectorMask.fromLong(F, 0xAAL);
    private static final VectorMask<Float> ODD_FLOAT_PAIRS = VectorMask.fromLong(F, 0xCCL);
    private static final VectorMask<Float> TOP_HALF_FLOATS = VectorMask.fromLong(F, 0xF0L);


    private Int8Decode() {
    }

    /** Rows per group for {@code t}'s storage type, or 0 when it has no group kernel (the row kernel serves it). */
    static int groupRows(StoredTensor t) {
        return switch (t) {
            case Q4_0Tensor _ -> Q4_0_ROWS;
            case Q8_0Tensor _ -> Q8_0_ROWS;
            default -> 0;
        };
    }

    /**
     * out[r] = dot(row sourceRows[r], position 0 of a) for r in [from, to): whole groups here, the rest by the row
     * kernel (which gives the same bits). The lanes of a group take rows a span apart (lane j of group i: row
     * from + i + j * span), so that each lane reads one long ascending stream through the range: groups of
     * neighbouring rows (eight short interleaved streams per group) ran about 1.6x slower per row on a Q8_0 matrix
     * larger than the last-level cache (the lm head) than on one inside it, slower than the row kernel there
     * (docs/performance.md, session 6).
     */
    static void rows(StoredTensor t, long[] sourceRows, int from, int to, Q8Activations a, float[] out) {
        int g = groupRows(t), span = g > 0 ? (to - from) / g : 0;
        if (span > 0) {
            boolean q8 = t instanceof Q8_0Tensor;
            long rowBytes = (long) a.blocks * (q8 ? Q8_0Tensor.BYTES : Q4_0Tensor.BYTES);
            long[] at = new long[g];
            float[] scales = new float[g], sums = new float[g];
            for (int i = 0; i < span; i++) {
                for (int j = 0; j < g; j++) at[j] = sourceRows[from + i + j * span] * rowBytes;
                if (q8) q8_0(t.data, at, a, scales, sums, 0);
                else q4_0(t.data, at, a, scales, sums, 0);
                for (int j = 0; j < g; j++) out[from + i + j * span] = sums[j];
            }
        }
        for (int r = from + g * span; r < to; r++) Int8Kernels.rowDots(t, sourceRows[r], a, out, r, 1);
    }

    /** Sixteen Q4_0 rows (byte offsets at[j]) against position 0: out[outAt + j], sumf += sumi * dx * dy per block. */
    private static void q4_0(MemorySegment w, long[] at, Q8Activations a, float[] dx, float[] out, int outAt) {
        FloatVector sum0 = FloatVector.zero(F), sum1 = sum0;
        for (int i = 0; i < a.blocks; i++) {
            ShortVector y0 = (ShortVector) ByteVector.fromArray(B, a.qs, i * 32).convertShape(B2S, SH, 0);
            ShortVector y1 = (ShortVector) ByteVector.fromArray(B, a.qs, i * 32 + 16).convertShape(B2S, SH, 0);
            long off = (long) i * Q4_0Tensor.BYTES;
            ShortVector sums = ShortVector.zero(SH);
            // two rows at a time, written out in one method: a vector passed to a helper the JIT did not inline is
            // boxed, and more rows per iteration exceed the JIT's inlining budget
            for (int q = 0; q < Q4_0_ROWS; q += 2) {
                // per 16-bit lane e: q[e] * qy[e] + q[e + 16] * qy[e + 16], unsigned nibbles (|lane| <= 2 * 15 * 127)
                ShortVector c0 = (ShortVector) ByteVector.fromMemorySegment(B, w, at[q] + off + 2, LE).convertShape(ZERO_EXTEND_B2S, SH, 0);
                ShortVector c1 = (ShortVector) ByteVector.fromMemorySegment(B, w, at[q + 1] + off + 2, LE).convertShape(ZERO_EXTEND_B2S, SH, 0);
                ShortVector p0 = c0.and((short) 15).mul(y0).add(c0.lanewise(LSHR, 4).mul(y1));
                ShortVector p1 = c1.and((short) 15).mul(y0).add(c1.lanewise(LSHR, 4).mul(y1));
                // pairs: 16-bit lane 2k the sum of row q's lanes 2k, 2k+1, lane 2k+1 the same for row q + 1
                p0 = p0.add(p0.reinterpretAsInts().lanewise(LSHR, 16).reinterpretAsShorts());
                p1 = p1.add(p1.reinterpretAsInts().lanewise(LSHL, 16).reinterpretAsShorts());
                ShortVector two = p0.blend(p1, ODD_SHORTS);
                // complete both sums in every 32-bit lane; the sums so far move down one 32-bit lane and these two
                // enter the top one, so that after eight steps rows 2k, 2k + 1 are in 16-bit lanes 2k, 2k + 1
                two = two.add(two.reinterpretAsInts().rearrange(SWAP_1).reinterpretAsShorts());
                two = two.add(two.reinterpretAsInts().rearrange(SWAP_2).reinterpretAsShorts());
                two = two.add(two.reinterpretAsInts().rearrange(SWAP_4).reinterpretAsShorts());
                sums = sums.reinterpretAsInts().rearrange(DOWN_1).reinterpretAsShorts().blend(two, TOP_INT_AS_SHORTS);
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

    /**
     * Eight Q8_0 rows (byte offsets at[j]) against position 0: out[outAt + j], per block sumi = sum(qx * qy),
     * sumf += sumi * (dx * dy), as {@link Int8Kernels}'s row kernel. The products are integers in float lanes,
     * exact (every partial sum of a block is at most 32 * 128 * 127 < 2^24 in magnitude), so the fold may add them
     * in any order and each lane's block sum is the row kernel's sumi. The eight rows are written out (eight
     * accumulators, no helper calls): measured faster than q4_0's two rows per step with a rotating insert.
     */
    private static void q8_0(MemorySegment w, long[] at, Q8Activations a, float[] dx, float[] out, int outAt) {
        float[] ys = a.values();
        FloatVector sumf = FloatVector.zero(F);
        for (int i = 0; i < a.blocks; i++) {
            long off = (long) i * Q8_0Tensor.BYTES + 2;
            long b0 = at[0] + off, b1 = at[1] + off, b2 = at[2] + off, b3 = at[3] + off;
            long b4 = at[4] + off, b5 = at[5] + off, b6 = at[6] + off, b7 = at[7] + off;
            // the first products start the sums by mul: with fma into zero vectors the kernel measured 1.5-2x slower
            FloatVector y0 = FloatVector.fromArray(F, ys, i * 32);
            FloatVector p0 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b0, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p1 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b1, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p2 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b2, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p3 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b3, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p4 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b4, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p5 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b5, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p6 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b6, LE).convertShape(B2F, F, 0)).mul(y0);
            FloatVector p7 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b7, LE).convertShape(B2F, F, 0)).mul(y0);
            for (int j = 8; j < 32; j += 8) {
                FloatVector y = FloatVector.fromArray(F, ys, i * 32 + j);
                p0 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b0 + j, LE).convertShape(B2F, F, 0)).fma(y, p0);
                p1 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b1 + j, LE).convertShape(B2F, F, 0)).fma(y, p1);
                p2 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b2 + j, LE).convertShape(B2F, F, 0)).fma(y, p2);
                p3 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b3 + j, LE).convertShape(B2F, F, 0)).fma(y, p3);
                p4 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b4 + j, LE).convertShape(B2F, F, 0)).fma(y, p4);
                p5 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b5 + j, LE).convertShape(B2F, F, 0)).fma(y, p5);
                p6 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b6 + j, LE).convertShape(B2F, F, 0)).fma(y, p6);
                p7 = ((FloatVector) ByteVector.fromMemorySegment(B8, w, b7 + j, LE).convertShape(B2F, F, 0)).fma(y, p7);
            }
            // the transposing fold: u.blend(v) + v.blend(u).rearrange(swap) puts in each lane pair (quad, half) the
            // two neighbouring sums of u's and v's lanes; three levels leave row j's block sum in lane j
            FloatVector s01 = p0.blend(p1, ODD_FLOATS).add(p1.blend(p0, ODD_FLOATS).rearrange(F_SWAP_1));
            FloatVector s23 = p2.blend(p3, ODD_FLOATS).add(p3.blend(p2, ODD_FLOATS).rearrange(F_SWAP_1));
            FloatVector s45 = p4.blend(p5, ODD_FLOATS).add(p5.blend(p4, ODD_FLOATS).rearrange(F_SWAP_1));
            FloatVector s67 = p6.blend(p7, ODD_FLOATS).add(p7.blend(p6, ODD_FLOATS).rearrange(F_SWAP_1));
            FloatVector s03 = s01.blend(s23, ODD_FLOAT_PAIRS).add(s23.blend(s01, ODD_FLOAT_PAIRS).rearrange(F_SWAP_2));
            FloatVector s47 = s45.blend(s67, ODD_FLOAT_PAIRS).add(s67.blend(s45, ODD_FLOAT_PAIRS).rearrange(F_SWAP_2));
            FloatVector sumi = s03.blend(s47, TOP_HALF_FLOATS).add(s47.blend(s03, TOP_HALF_FLOATS).rearrange(F_SWAP_4));
            for (int j = 0; j < Q8_0_ROWS; j++) dx[j] = StoredTensor.f16(w.get(StoredTensor.I16, at[j] + off - 2));
            sumf = sumf.add(sumi.mul(FloatVector.fromArray(F, dx, 0).mul(a.d[i])));
        }
        sumf.intoArray(out, outAt);
    }
}
