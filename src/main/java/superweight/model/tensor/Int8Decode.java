package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Decode (one position) for Q4_0 x Q8_0, Q8_0 x Q8_0 and Q6_K x Q8_K on a group of weight rows at once (one row per
 * 16-bit lane): the same integer block sums and float steps as {@link Int8Kernels} (so the same bits), from a copy
 * of the weights {@link Packed} for it, as llama.cpp repacks Q4_0 for its AVX2 kernels. In the packed copy the rows'
 * codes of one block lie interleaved (two codes of every row of the group, then the next two), so each step
 * multiplies broadcast activation codes with a vector of the group's codes: no lane reduction, no fold across rows,
 * one contiguous read per group. Session 8's byte-per-lane form measured 2.1x (Q4_0) and 1.8x (Q8_0) faster than the
 * same sums read from the file's layout with a transposing fold; two codes per lane (session 10) 1.8x (Q4_0), 1.4x
 * (Q8_0) and 1.5x (Q6_K) more in cache (docs/performance.md).
 *
 * <p>Q4_0 sums in 16-bit lanes, modulo 2^16: the nibbles unsigned (0..15), the offset coming back as 8 * sum(qy) of
 * the activation block; the exact block sum lies in [-32512, 32512], so its value modulo 2^16 determines it. A lane
 * holds two bytes of its row (four codes), and one load, three shifts and four multiplications by per-call
 * multipliers ({@link #q4_0Multipliers}) add all four products: no widening, masking or byte broadcast per code. Q8_0
 * keeps two codes of a row in its lane (the first one unsigned), takes their two products from two multiplications
 * by per-call multipliers ({@link #q8_0Multipliers}; |pair| <= 2 x 128 x 127 fits 16 bits) and widens the pairs
 * into 32-bit lanes once per block. Q6_K keeps a row's two codes of one product pair in its lane (q - 32, signed
 * bytes): the pair's products sum in 16 bits (|sum| <= 2 x 32 x 127), and the pair times its scale in 32-bit lanes,
 * exactly, as the C code's eight integer sums per super-block. Where 32-bit lanes come out of 16-bit ones they hold
 * the even rows in their low halves and the odd rows in their high ones, and the packed d follow that order.
 *
 * <p>The vectors are {@link VectorMath#S}'s width (so a group is eight rows at 128 bits, sixteen at 256, thirty-two
 * at 512): the result does not depend on it (integer sums are exact, the float step is per lane, per row), so every
 * width gives the same bits. On AVX-512 the 512-bit group measured 1.4x the speed of the 256-bit one in L2 and
 * 1.2x (Q4_0) to 1.4x (Q8_0, Q6_K) beyond it (docs/performance.md, session 13).
 */
final class Int8Decode {
    private static final int BITS = VectorMath.S.vectorBitSize();
    /** Rows per packed group: one per 16-bit lane of the kernels' vectors. */
    static final int GROUP = BITS / 16;
    private static final VectorSpecies<Byte> SCALES = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Integer> IN = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Byte> CODES = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS));

    private Int8Decode() {
    }

    /** Where row j of a group keeps its block scale: the even rows first, then the odd ones, as the lanes come out. */
    private static int evenOdd(int j) {
        return (j & 1) == 0 ? j >> 1 : GROUP / 2 + (j >> 1);
    }

    /** Whether {@code t}'s storage type has a packed group kernel (otherwise the row kernel serves its decode). */
    static boolean packs(StoredTensor t) {
        return t instanceof Q4_0Tensor || t instanceof Q8_0Tensor || t instanceof Q6_KTensor;
    }

    /**
     * The rows of a Q4_0, Q8_0 or Q6_K tensor in groups of {@link #GROUP}, packed for the group kernels: group g's
     * block i at {@code codes[(g * blocks + i) * stride]}, first its codes interleaved by row, then, for Q6_K, its
     * sixteen scales interleaved by row (scale s of each row, for every s); the rows' block scales d as f32 (exact: f16
     * widens without rounding) at {@code d[(g * blocks + i) * rows]}.
     * <ul>
     * <li>Q8_0 and Q4_0: the file's bytes 2kp and 2kp + 1 of each row, for every kp (a Q4_0 byte k holds codes k and
     * k + 16; Q8_0's byte 2kp with its sign bit flipped, q + 128 unsigned), and the d of the even rows before those
     * of the odd ones.
     * <li>Q6_K: the codes q - 32 as signed bytes, the pair (16 sub + l, 16 sub + 8 + l) of each row for every
     * sub-block and l in [0, 8), and d even rows first.
     * </ul>
     * One contiguous stream per group, the size of the packed rows times 1.11 (Q4_0), 1.06 (Q8_0) or 1.31 (Q6_K).
     * On the heap: arrays measured 10 % (Q4_0, Q8_0) and 20 % (Q6_K) faster than native segments, whose bounds
     * checks the JIT keeps in the loop. Rows after the last whole group are not packed: the row kernel serves them.
     */
    static final class Packed {
        final byte[] codes;
        final float[] d;
        final int rows, groups, blocks, codeBytes, stride;

        private Packed(int rows, int groups, int blocks, int codesPerRow, int scalesPerRow) {
            this.rows = rows;
            this.groups = groups;
            this.blocks = blocks;
            this.codeBytes = codesPerRow * rows;
            this.stride = codeBytes + scalesPerRow * rows;
            this.codes = new byte[groups * blocks * stride];
            this.d = new float[groups * blocks * rows];
        }
    }

    /**
     * {@code t}'s rows {@code sourceRows[0..]}, packed (see {@link Packed}); null when the copy would take more than
     * half of the heap still free (or more than one array holds), and the row kernel then serves every row, with the
     * same bits, slower.
     */
    static Packed pack(StoredTensor t, long[] sourceRows) {
        Runtime rt = Runtime.getRuntime();
        return pack(t, sourceRows, (rt.maxMemory() - (rt.totalMemory() - rt.freeMemory())) / 2);
    }

    /** As {@link #pack(StoredTensor, long[])}, null when the copy would take more than {@code budget} bytes. */
    static Packed pack(StoredTensor t, long[] sourceRows, long budget) {
        int blockBytes = switch (t) {
            case Q8_0Tensor _ -> Q8_0Tensor.BYTES;
            case Q4_0Tensor _ -> Q4_0Tensor.BYTES;
            default -> Q6_KTensor.BYTES;
        };
        boolean k = t instanceof Q6_KTensor;
        int flip = t instanceof Q8_0Tensor ? 0x80 : 0; // Q8_0's even codes unsigned (q + 128): see q8_0Multipliers
        int rows = GROUP, codes = k ? 256 : blockBytes - 2, scales = k ? 16 : 0;
        int blocks = t.cols() / (k ? 256 : 32), groups = sourceRows.length / rows;
        long bytes = (long) groups * blocks * rows * (codes + scales + 4);
        if (bytes > budget || (long) groups * blocks * rows * (codes + scales) > Integer.MAX_VALUE - 64) return null;
        Packed p = new Packed(rows, groups, blocks, codes, scales);
        byte[] raw = new byte[blockBytes], unpacked = new byte[codes];
        for (int g = 0; g < groups; g++) {
            for (int i = 0; i < blocks; i++) {
                int base = (g * blocks + i) * p.stride, at = (g * blocks + i) * rows;
                for (int j = 0; j < rows; j++) {
                    // one bulk copy per row and block: the rows of a group lie far apart in the file
                    MemorySegment.copy(t.data, ValueLayout.JAVA_BYTE, (sourceRows[g * rows + j] * blocks + i) * blockBytes, raw, 0, blockBytes);
                    if (k) {
                        q6_KCodes(raw, unpacked);
                        // code c = 16 sub + 8 half + l: the pair (16 sub + l, 16 sub + 8 + l) in row j's lane of step (sub, l)
                        for (int c = 0; c < codes; c++) p.codes[base + (((c >> 4) * 8 + (c & 7)) * rows + j) * 2 + (c >> 3 & 1)] = unpacked[c];
                        for (int sub = 0; sub < 16; sub++) p.codes[base + p.codeBytes + sub * rows + j] = raw[192 + sub];
                        p.d[at + evenOdd(j)] = StoredTensor.f16((short) ((raw[208] & 0xFF) | raw[209] << 8));
                        continue;
                    }
                    float dx = StoredTensor.f16((short) ((raw[0] & 0xFF) | raw[1] << 8));
                    for (int c = 0; c < codes; c++) p.codes[base + (c >> 1) * 2 * rows + 2 * j + (c & 1)] = (byte) (raw[2 + c] ^ ((c & 1) == 0 ? flip : 0));
                    p.d[at + evenOdd(j)] = dx;
                }
            }
        }
        return p;
    }

    /** The 256 codes q - 32 of one Q6_K block (ql: 128 bytes of low nibbles, qh: 64 bytes of high bit pairs), in order. */
    private static void q6_KCodes(byte[] b, byte[] q) {
        for (int half = 0; half < 2; half++) {
            int ql = half * 64, qh = 128 + half * 32, o = half * 128;
            for (int l = 0; l < 32; l++) {
                int h = b[qh + l] & 0xFF, lo = b[ql + l] & 0xFF, hi = b[ql + l + 32] & 0xFF;
                q[o + l] = (byte) (((lo & 15) | (h & 3) << 4) - 32);
                q[o + l + 32] = (byte) (((hi & 15) | (h >> 2 & 3) << 4) - 32);
                q[o + l + 64] = (byte) ((lo >> 4 | (h >> 4 & 3) << 4) - 32);
                q[o + l + 96] = (byte) ((hi >> 4 | (h >> 6 & 3) << 4) - 32);
            }
        }
    }

    /**
     * The range body out[r] = dot(row sourceRows[r], position 0 of a) for r in [from, to): the whole groups within a
     * range from the packed copy, the rows before and after them by the row kernel (which gives the same bits).
     * What the group kernel needs of {@code a} beyond its codes is computed here, once per call, not per range.
     */
    static Parallel.RangeBody rows(Packed p, StoredTensor t, long[] sourceRows, Q8Activations a, float[] out) {
        short[] q4Multipliers = t instanceof Q4_0Tensor ? q4_0Multipliers(a) : null;
        int[] q8Multipliers = t instanceof Q8_0Tensor ? q8_0Multipliers(a) : null;
        return (from, to) -> {
            int n = p.rows, g0 = (from + n - 1) / n, g1 = Math.min(p.groups, to / n);
            if (g0 >= g1) {
                rowKernel(t, sourceRows, from, to, a, out);
                return;
            }
            rowKernel(t, sourceRows, from, g0 * n, a, out);
            // one scratch per thread: a group's outputs on their way to out (and Q6_K's eight running sums per
            // row); a new one per group measured 15 % slower, and a range is often a single group
            float[] scratch = SCRATCH.get();
            for (int g = g0; g < g1; g++) {
                switch (t) {
                    case Q8_0Tensor _ -> q8_0(p, g, a, q8Multipliers, scratch, out);
                    case Q4_0Tensor _ -> q4_0(p, g, a, q4Multipliers, scratch, out);
                    default -> q6_K(p, g, a, scratch, out);
                }
            }
            rowKernel(t, sourceRows, g1 * n, to, a, out);
        };
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[8 * GROUP]);

    private static void rowKernel(StoredTensor t, long[] sourceRows, int from, int to, Q8Activations a, float[] out) {
        for (int r = from; r < to; r++) Int8Kernels.rowDots(t, sourceRows[r], a, out, r, 1);
    }

    /**
     * The multipliers of the Q4_0 group kernel for activation blocks {@code a} (position 0): for each block i and
     * byte pair kp (codes k = 2kp, k + 16, k + 1, k + 17 of a row, as the nibbles n0..n3 of one 16-bit lane
     * x = n0 + 16 n1 + 256 n2 + 4096 n3), the four values m0..m3 with x m0 + (x >>> 4) m1 + (x >>> 8) m2 +
     * (x >>> 12) m3 = n0 qy[k] + n1 qy[k + 16] + n2 qy[k + 1] + n3 qy[k + 17] modulo 2^16, at
     * {@code [(i * 8 + kp) * 4]}: each nibble's multiplier minus what the shifted copies above it already add.
     */
    static short[] q4_0Multipliers(Q8Activations a) {
        short[] m = new short[a.blocks * 32];
        for (int i = 0; i < a.blocks; i++) {
            for (int kp = 0; kp < 8; kp++) {
                int at = i * 32 + 2 * kp, y0 = a.qs[at], y1 = a.qs[at + 16], y2 = a.qs[at + 1], y3 = a.qs[at + 17];
                int m0 = y0, m1 = y1 - 16 * m0, m2 = y2 - 256 * m0 - 16 * m1, m3 = y3 - 4096 * m0 - 256 * m1 - 16 * m2;
                int o = (i * 8 + kp) * 4;
                m[o] = (short) m0;
                m[o + 1] = (short) m1;
                m[o + 2] = (short) m2;
                m[o + 3] = (short) m3;
            }
        }
        return m;
    }

    /**
     * Group g of a packed Q4_0 tensor against position 0: out[GROUP g + j], sumf += sumi * dx * dy per block. A row's
     * lane holds four nibbles; the block sum accumulates modulo 2^16 (exact, see the class comment), starting from
     * the unsigned nibbles' offset -8 sum(qy), and splits into the even rows (low halves of 32-bit lanes) and the odd
     * ones, whose scales the packed copy keeps in that order.
     */
    private static void q4_0(Packed p, int g, Q8Activations a, short[] m, float[] scratch, float[] out) {
        byte[] w = p.codes;
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int i = 0; i < p.blocks; i++) {
            int base = (g * p.blocks + i) * p.stride, at = (g * p.blocks + i) * p.rows;
            // one sum per multiplier: one chain of four adds per step measured 1.5x slower, two chains 1.2x, and
            // the step unrolled twice 1.3x (docs/performance.md, session 10)
            ShortVector acc = ShortVector.broadcast(SH, (short) (-8 * a.qsum[i])), acc1 = ShortVector.zero(SH), acc2 = acc1, acc3 = acc1;
            for (int kp = 0; kp < 8; kp++) {
                ShortVector x = ByteVector.fromArray(CODES, w, base + kp * 2 * p.rows).reinterpretAsShorts();
                int o = (i * 8 + kp) * 4;
                acc = acc.add(x.mul(m[o]));
                acc1 = acc1.add(x.lanewise(LSHR, 4).mul(m[o + 1]));
                acc2 = acc2.add(x.lanewise(LSHR, 8).mul(m[o + 2]));
                acc3 = acc3.add(x.lanewise(LSHR, 12).mul(m[o + 3]));
            }
            acc = acc.add(acc1).add(acc2.add(acc3));
            IntVector pairs = acc.reinterpretAsInts();
            float dy = a.d[i];
            even = even.add(((FloatVector) pairs.lanewise(LSHL, 16).lanewise(ASHR, 16).convert(I2F, 0)).mul(FloatVector.fromArray(F, p.d, at)).mul(dy));
            odd = odd.add(((FloatVector) pairs.lanewise(ASHR, 16).convert(I2F, 0)).mul(FloatVector.fromArray(F, p.d, at + p.rows / 2)).mul(dy));
        }
        even.intoArray(scratch, 0);
        odd.intoArray(scratch, GROUP / 2);
        interleave(scratch, out, g * GROUP);
    }

    /**
     * The per-step values of the Q8_0 group kernel for activation blocks {@code a} (position 0), each as a 32-bit
     * pair of equal 16-bit halves (so that one 32-bit broadcast serves both rows of a lane pair), at
     * {@code [(i * 16 + kp) * 3]} for block i and code pair kp (codes k = 2kp and k + 1, y0 = qy[k], y1 = qy[k + 1]):
     * m0 = y0 and m1 = y1 - 256 y0, then the constant -128 y0 with the widening bias 32768 added to the low half.
     * A lane x = 256 hi + lo (lo = q[k] + 128 unsigned, hi = q[k + 1] signed) gives x m0 + (x >> 8) m1 - 128 y0 =
     * q[k] y0 + q[k + 1] y1 modulo 2^16: two shifts fewer per step than sign-extending both bytes.
     */
    static int[] q8_0Multipliers(Q8Activations a) {
        int[] m = new int[a.blocks * 16 * 3];
        for (int s = 0; s < a.blocks * 16; s++) {
            int y0 = a.qs[2 * s], y1 = a.qs[2 * s + 1], m1 = y1 - 256 * y0, c = -128 * y0;
            m[3 * s] = pair(y0, y0);
            m[3 * s + 1] = pair(m1, m1);
            m[3 * s + 2] = pair(c + 32768, c);
        }
        return m;
    }

    /** A 32-bit lane holding {@code low} and {@code high} as 16-bit halves. */
    private static int pair(int low, int high) {
        return (low & 0xFFFF) | high << 16;
    }

    /**
     * Group g of a packed Q8_0 tensor against position 0: out[GROUP g + j], sumf += sumi * (dx * dy) per block. A row's
     * lane holds its codes k (unsigned, + 128) and k + 1; their two products come out of two multiplies by the
     * per-step multipliers ({@link #q8_0Multipliers}) and sum in 16 bits (|pair| <= 2 x 128 x 127 < 2^15). The even
     * rows' pairs carry a bias of 32768 in the low halves of the 32-bit lanes, so each 32-bit lane is exactly
     * 65536 odd + even + 32768: the lanes add whole, the odd rows' sums are the high halves added apart, and the even
     * rows' sums what remains (exact: 32-bit arithmetic modulo 2^32 of sums below 2^20).
     */
    private static void q8_0(Packed p, int g, Q8Activations a, int[] m, float[] scratch, float[] out) {
        byte[] w = p.codes;
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int i = 0; i < p.blocks; i++) {
            int base = (g * p.blocks + i) * p.stride, at = (g * p.blocks + i) * p.rows;
            IntVector whole = IntVector.zero(IN), sumOdd = whole;
            for (int kp = 0; kp < 16; kp++) {
                ShortVector x = ByteVector.fromArray(CODES, w, base + kp * 2 * p.rows).reinterpretAsShorts();
                int o = (i * 16 + kp) * 3;
                ShortVector m0 = IntVector.broadcast(IN, m[o]).reinterpretAsShorts(), m1 = IntVector.broadcast(IN, m[o + 1]).reinterpretAsShorts();
                IntVector lanes = x.mul(m0).add(x.lanewise(ASHR, 8).mul(m1)).add(IntVector.broadcast(IN, m[o + 2]).reinterpretAsShorts()).reinterpretAsInts();
                whole = whole.add(lanes);
                sumOdd = sumOdd.add(lanes.lanewise(ASHR, 16));
            }
            IntVector sumEven = whole.sub(sumOdd.lanewise(LSHL, 16)).sub(16 * 32768);
            float dy = a.d[i];
            even = even.add(((FloatVector) sumEven.convert(I2F, 0)).mul(FloatVector.fromArray(F, p.d, at).mul(dy)));
            odd = odd.add(((FloatVector) sumOdd.convert(I2F, 0)).mul(FloatVector.fromArray(F, p.d, at + p.rows / 2).mul(dy)));
        }
        even.intoArray(scratch, 0);
        odd.intoArray(scratch, GROUP / 2);
        interleave(scratch, out, g * GROUP);
    }

    /**
     * Group g of a packed Q6_K tensor against position 0: per super-block the C code's eight integer sums aux32[l]
     * (l = index mod 8) = sum over the sixteen scales of scale * (q qy at 16 sub + l and 16 sub + 8 + l), then
     * sums[l] += d * aux32[l] with d = dx * dy, and at the end sumf = sums[0] + ... + sums[7], per row. A step's two
     * products sum in 16 bits (|pair| <= 2 x 32 x 127), exactly; the pair times the scale in 32 bits, as the even
     * rows (the low halves of 32-bit lanes) and the odd ones.
     */
    private static void q6_K(Packed p, int g, Q8Activations a, float[] sums, float[] out) {
        byte[] w = p.codes;
        short[] ys = a.shorts();
        int n = p.rows, h = n / 2;
        Arrays.fill(sums, 0f); // sums[l * n + lane]: lanes [0, h) the even rows, [h, n) the odd ones
        for (int i = 0; i < p.blocks; i++) {
            int base = (g * p.blocks + i) * p.stride, at = (g * p.blocks + i) * n;
            FloatVector dEven = FloatVector.fromArray(F, p.d, at).mul(a.d[i]), dOdd = FloatVector.fromArray(F, p.d, at + h).mul(a.d[i]);
            // two of the eight sums per pass, as the rows' even and odd halves: four accumulators (four sums per
            // pass, eight accumulators, measured the same)
            for (int l = 0; l < 8; l += 2) {
                // aux32 in float lanes: a pair times its scale and the sum over the 16 sub-blocks are integers of
                // magnitude at most 16 x 8128 x 128 < 2^24, so every fma is exact (a float multiply-add instead of the
                // 32-bit integer multiply, two micro-ops on Intel); the same aux32, so the same bits
                FloatVector e0 = FloatVector.zero(F), e1 = e0, o0 = e0, o1 = e0;
                for (int sub = 0; sub < 16; sub++) {
                    IntVector sc = ((ShortVector) ByteVector.fromArray(SCALES, w, base + p.codeBytes + sub * n).convertShape(B2S, SH, 0)).reinterpretAsInts();
                    FloatVector scEven = (FloatVector) sc.lanewise(LSHL, 16).lanewise(ASHR, 16).convert(I2F, 0);
                    FloatVector scOdd = (FloatVector) sc.lanewise(ASHR, 16).convert(I2F, 0);
                    int c = base + (sub * 8 + l) * 2 * n, y = i * 256 + sub * 16 + l;
                    // a row's lane: code 16 sub + l in the low byte, 16 sub + 8 + l in the high one; the pair's two
                    // products in 16 bits, then as 32-bit lanes of two rows each (written out: helper methods
                    // push the vector intrinsics past the JIT's inlining depth, and the vectors are then boxed)
                    ShortVector x0 = ByteVector.fromArray(CODES, w, c).reinterpretAsShorts();
                    IntVector p0 = x0.lanewise(LSHL, 8).lanewise(ASHR, 8).mul(ys[y + 0]).add(x0.lanewise(ASHR, 8).mul(ys[y + 8])).reinterpretAsInts();
                    e0 = ((FloatVector) p0.lanewise(LSHL, 16).lanewise(ASHR, 16).convert(I2F, 0)).fma(scEven, e0);
                    o0 = ((FloatVector) p0.lanewise(ASHR, 16).convert(I2F, 0)).fma(scOdd, o0);
                    ShortVector x1 = ByteVector.fromArray(CODES, w, c + 2 * n).reinterpretAsShorts();
                    IntVector p1 = x1.lanewise(LSHL, 8).lanewise(ASHR, 8).mul(ys[y + 1]).add(x1.lanewise(ASHR, 8).mul(ys[y + 9])).reinterpretAsInts();
                    e1 = ((FloatVector) p1.lanewise(LSHL, 16).lanewise(ASHR, 16).convert(I2F, 0)).fma(scEven, e1);
                    o1 = ((FloatVector) p1.lanewise(ASHR, 16).convert(I2F, 0)).fma(scOdd, o1);
                }
                // sums[l] += d * aux32[l], the even rows' lanes and the odd ones'
                int s0 = l * n, s1 = s0 + n;
                FloatVector.fromArray(F, sums, s0).add(e0.mul(dEven)).intoArray(sums, s0);
                FloatVector.fromArray(F, sums, s0 + h).add(o0.mul(dOdd)).intoArray(sums, s0 + h);
                FloatVector.fromArray(F, sums, s1).add(e1.mul(dEven)).intoArray(sums, s1);
                FloatVector.fromArray(F, sums, s1 + h).add(o1.mul(dOdd)).intoArray(sums, s1 + h);
            }
        }
        // sumf = sums[0] + ... + sums[7] per row, from 0, in place of sums[0]
        for (int lane = 0; lane < n; lane++) {
            float sumf = 0f;
            for (int l = 0; l < 8; l++) sumf += sums[l * n + lane];
            sums[lane] = sumf;
        }
        interleave(sums, out, g * n);
    }

    /**
     * A group's rows back in order from its lanes (the even rows in lanes[0, GROUP / 2), the odd ones after them):
     * no vector in the signature, so that, where the JIT does not inline it (a node-count cutoff in the Q6_K kernel),
     * nothing is boxed.
     */
    private static void interleave(float[] lanes, float[] out, int at) {
        for (int j = 0, h = GROUP / 2; j < h; j++) {
            out[at + 2 * j] = lanes[j];
            out[at + 2 * j + 1] = lanes[h + j];
        }
    }
}
