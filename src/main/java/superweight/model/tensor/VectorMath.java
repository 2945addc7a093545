package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised float primitives shared by all tensor kernels. */
public final class VectorMath {
    /**
     * The float species of every kernel: the CPU's preferred width, or 128, 256 or 512 bits from
     * {@code -Dsuperweight.vector.bits} (the tests run the kernels at each width on any CPU; a width the CPU lacks
     * runs, slowly, in the Vector API's Java fallback). A static final constant, so the JIT compiles it in.
     */
    public static final VectorSpecies<Float> S = species(Integer.getInteger("superweight.vector.bits", 0));
    private static final int L = S.length();
    /**
     * The float lanes of the ggml block decoders (Q8_0, Q4_x, K-quants): 16 at 512 bits, else 8, fed from a byte
     * vector of as many lanes. They follow {@link #S}, so the species switch tests them at every width; at 128 bits
     * they use 8 lanes (the Vector API's fallback on a CPU without 256-bit vectors).
     */
    static final VectorSpecies<Float> BLOCK_FLOATS = S.vectorBitSize() >= 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    static final VectorSpecies<Byte> BLOCK_BYTES = BLOCK_FLOATS.length() == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    private VectorMath() {
    }

    private static VectorSpecies<Float> species(int bits) {
        return switch (bits) {
            // the kernels are written for 128 to 512 bits: a wider preferred shape (SVE) runs at 512, a narrower one
            // at 128 (in the Java fallback, slow but the same arithmetic)
            case 0 -> FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512 ? FloatVector.SPECIES_512
                    : FloatVector.SPECIES_PREFERRED.vectorBitSize() < 128 ? FloatVector.SPECIES_128 : FloatVector.SPECIES_PREFERRED;
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            case 512 -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("superweight.vector.bits must be 128, 256 or 512, not " + bits);
        };
    }

    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + i + L).fma(FloatVector.fromArray(S, b, bo + i + L), acc1);
        }
        for (int bound = n - L; i <= bound; i += L) {
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
        }
        float s = sum(acc0.add(acc1));
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /**
     * The sum of a vector's lanes in a fixed order: a pairwise tree, (l0 + l1) + (l2 + l3), then those pairs, and so
     * on. reduceLanes(ADD) leaves the order unspecified, so its result can change between the interpreter and
     * compiled code; a fixed order keeps every score reproducible. Each level is one permute and one add, and the
     * result one extract of lane 0: the pairs summed left to right (extracting every lane, a chain of L / 2 adds at
     * the end of every row's dot) decoded the F32 reference model at 42.8-43.8 tok/s against 46.4-47.7 (512 bits,
     * 2 threads, session 13).
     */
    public static float sum(FloatVector v) {
        switch (v.length()) {
            case 16 -> {
                v = v.add(v.rearrange(SWAP_16_1));
                v = v.add(v.rearrange(SWAP_16_2));
                v = v.add(v.rearrange(SWAP_16_4));
                v = v.add(v.rearrange(SWAP_16_8));
            }
            case 8 -> {
                v = v.add(v.rearrange(SWAP_8_1));
                v = v.add(v.rearrange(SWAP_8_2));
                v = v.add(v.rearrange(SWAP_8_4));
            }
            case 4 -> {
                v = v.add(v.rearrange(SWAP_4_1));
                v = v.add(v.rearrange(SWAP_4_2));
            }
            default -> throw new IllegalArgumentException(v.length() + " lanes"); // species() allows 128-512 bits only
        }
        return v.lane(0);
    }

    /** Lane i takes lane i ^ d: one level of {@link #sum}'s tree, per width (the shuffles are the species'). */
    static final VectorShuffle<Float> SWAP_4_1 = swap(FloatVector.SPECIES_128, 1), SWAP_4_2 = swap(FloatVector.SPECIES_128, 2),
            SWAP_8_1 = swap(FloatVector.SPECIES_256, 1), SWAP_8_2 = swap(FloatVector.SPECIES_256, 2), SWAP_8_4 = swap(FloatVector.SPECIES_256, 4),
            SWAP_16_1 = swap(FloatVector.SPECIES_512, 1), SWAP_16_2 = swap(FloatVector.SPECIES_512, 2),
            SWAP_16_4 = swap(FloatVector.SPECIES_512, 4), SWAP_16_8 = swap(FloatVector.SPECIES_512, 8);

    private static VectorShuffle<Float> swap(VectorSpecies<Float> species, int d) {
        return VectorShuffle.fromOp(species, i -> i ^ d);
    }

    /**
     * out[oo + j] = sum over d in [0, k) of a[ao + d] * m[mo + d*stride + j], for j in [from, to): the dot products
     * of one vector with consecutive columns of a row-major matrix (attention scores against a channel-major key
     * cache). Each result accumulates d in order with fused multiply-adds, in vector lanes and in the scalar tail
     * alike, so it does not depend on where j falls in the range.
     */
    public static void columnDots(float[] a, int ao, int k, float[] m, int mo, int stride, int from, int to, float[] out, int oo) {
        int j = from;
        for (int bound = to - 4 * L; j <= bound; j += 4 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int d = 0, row = mo + j; d < k; d++, row += stride) {
                FloatVector ad = FloatVector.broadcast(S, a[ao + d]);
                s0 = FloatVector.fromArray(S, m, row).fma(ad, s0);
                s1 = FloatVector.fromArray(S, m, row + L).fma(ad, s1);
                s2 = FloatVector.fromArray(S, m, row + 2 * L).fma(ad, s2);
                s3 = FloatVector.fromArray(S, m, row + 3 * L).fma(ad, s3);
            }
            s0.intoArray(out, oo + j - from);
            s1.intoArray(out, oo + j - from + L);
            s2.intoArray(out, oo + j - from + 2 * L);
            s3.intoArray(out, oo + j - from + 3 * L);
        }
        for (int bound = to - L; j <= bound; j += L) {
            FloatVector s0 = FloatVector.zero(S);
            for (int d = 0, row = mo + j; d < k; d++, row += stride) {
                s0 = FloatVector.fromArray(S, m, row).fma(FloatVector.broadcast(S, a[ao + d]), s0);
            }
            s0.intoArray(out, oo + j - from);
        }
        for (; j < to; j++) {
            float s = 0;
            for (int d = 0, row = mo + j; d < k; d++, row += stride) s = Math.fma(m[row], a[ao + d], s);
            out[oo + j - from] = s;
        }
    }

    /**
     * out[oo + c] = sum over j in [from, to) of p[j] * m[mo + j*stride + c], for c in [0, n): a weighted sum of
     * matrix rows (attention's probabilities times values). The output stays in registers across all rows, a slab
     * of 4 vectors at a time; every element accumulates j in order with fused multiply-adds.
     */
    public static void weightedRowSum(float[] p, int from, int to, float[] m, int mo, int stride, float[] out, int oo, int n) {
        int c = 0;
        for (int bound = n - 4 * L; c <= bound; c += 4 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int j = from, row = mo + from * stride + c; j < to; j++, row += stride) {
                FloatVector pj = FloatVector.broadcast(S, p[j]);
                s0 = FloatVector.fromArray(S, m, row).fma(pj, s0);
                s1 = FloatVector.fromArray(S, m, row + L).fma(pj, s1);
                s2 = FloatVector.fromArray(S, m, row + 2 * L).fma(pj, s2);
                s3 = FloatVector.fromArray(S, m, row + 3 * L).fma(pj, s3);
            }
            s0.intoArray(out, oo + c);
            s1.intoArray(out, oo + c + L);
            s2.intoArray(out, oo + c + 2 * L);
            s3.intoArray(out, oo + c + 3 * L);
        }
        for (int bound = n - L; c <= bound; c += L) {
            FloatVector s0 = FloatVector.zero(S);
            for (int j = from, row = mo + from * stride + c; j < to; j++, row += stride) {
                s0 = FloatVector.fromArray(S, m, row).fma(FloatVector.broadcast(S, p[j]), s0);
            }
            s0.intoArray(out, oo + c);
        }
        for (; c < n; c++) {
            float s = 0;
            for (int j = from, row = mo + from * stride + c; j < to; j++, row += stride) s = Math.fma(m[row], p[j], s);
            out[oo + c] = s;
        }
    }
    /** Query positions per attention tile of {@link #panelDots4}, {@link #softmax4} and {@link #weightedRowSum4}. */
    public static final int ATTENTION_TILE = 4;

    /**
     * {@link #weightedRowSum} for four weight rows with ragged ends, as four consecutive query positions of one head
     * attend to keys: out[oo + t * oStride + c] = sum over j in [from, to + t) of p[t * pStride + j] *
     * m[mo + j * stride + c], t in [0, 4). Each row of m is loaded once for the four; every output is the same
     * in-order fma chain over j as in {@link #weightedRowSum} (the ragged last terms continue it in registers).
     */
    public static void weightedRowSum4(float[] p, int pStride, int from, int to, float[] m, int mo, int stride,
                                       float[] out, int oo, int oStride, int n) {
        int p1 = pStride, p2 = 2 * pStride, p3 = 3 * pStride;
        int c = 0;
        for (int bound = n - 2 * L; c <= bound; c += 2 * L) {
            FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0, s3 = s0, t3 = s0;
            int j = from, row = mo + from * stride + c;
            for (; j < to; j++, row += stride) {
                FloatVector m0 = FloatVector.fromArray(S, m, row), m1 = FloatVector.fromArray(S, m, row + L);
                FloatVector w = FloatVector.broadcast(S, p[j]);
                s0 = m0.fma(w, s0); t0 = m1.fma(w, t0);
                w = FloatVector.broadcast(S, p[p1 + j]);
                s1 = m0.fma(w, s1); t1 = m1.fma(w, t1);
                w = FloatVector.broadcast(S, p[p2 + j]);
                s2 = m0.fma(w, s2); t2 = m1.fma(w, t2);
                w = FloatVector.broadcast(S, p[p3 + j]);
                s3 = m0.fma(w, s3); t3 = m1.fma(w, t3);
            }
            for (; j < to + 3; j++, row += stride) {
                FloatVector m0 = FloatVector.fromArray(S, m, row), m1 = FloatVector.fromArray(S, m, row + L);
                if (j < to + 1) {
                    FloatVector w = FloatVector.broadcast(S, p[p1 + j]);
                    s1 = m0.fma(w, s1); t1 = m1.fma(w, t1);
                }
                if (j < to + 2) {
                    FloatVector w = FloatVector.broadcast(S, p[p2 + j]);
                    s2 = m0.fma(w, s2); t2 = m1.fma(w, t2);
                }
                FloatVector w = FloatVector.broadcast(S, p[p3 + j]);
                s3 = m0.fma(w, s3); t3 = m1.fma(w, t3);
            }
            s0.intoArray(out, oo + c); t0.intoArray(out, oo + c + L);
            s1.intoArray(out, oo + oStride + c); t1.intoArray(out, oo + oStride + c + L);
            s2.intoArray(out, oo + 2 * oStride + c); t2.intoArray(out, oo + 2 * oStride + c + L);
            s3.intoArray(out, oo + 3 * oStride + c); t3.intoArray(out, oo + 3 * oStride + c + L);
        }
        for (; c < n; c++) {
            for (int t = 0; t < ATTENTION_TILE; t++) {
                float s = 0;
                for (int j = from, row = mo + from * stride + c; j < to + t; j++, row += stride) s = Math.fma(m[row], p[t * pStride + j], s);
                out[oo + t * oStride + c] = s;
            }
        }
    }

    /**
     * Key positions per block of a key panel ({@link #packKeys}): the width of {@link #panelDots4}'s register tile,
     * two vectors.
     */
    public static final int KEY_BLOCK = 2 * L;

    /** Floats of the panel {@link #packKeys} writes for {@code count} keys of {@code k} channels. */
    public static int keyPanelLength(int k, int count) {
        return (count + KEY_BLOCK - 1) / KEY_BLOCK * KEY_BLOCK * k;
    }

    /**
     * Copies keys [0, count) of one head from a channel-major cache (key j's channel d at m[mo + d * stride + j])
     * into blocks of {@link #KEY_BLOCK} keys, channel by channel: key b * KEY_BLOCK + i's channel d goes to
     * panel[po + (b * k + d) * KEY_BLOCK + i]; the last block is padded with zeros. The cache's channel rows lie a
     * whole context apart (often a power of two of floats, so they also share cache sets): streamed from there, a
     * tile's every step touches k separate rows, from the panel it reads one contiguous run.
     */
    public static void packKeys(float[] m, int mo, int stride, int k, int count, float[] panel, int po) {
        for (int j0 = 0, dst = po; j0 < count; j0 += KEY_BLOCK) {
            int used = Math.min(KEY_BLOCK, count - j0);
            for (int d = 0; d < k; d++, dst += KEY_BLOCK) {
                System.arraycopy(m, mo + d * stride + j0, panel, dst, used);
                if (used < KEY_BLOCK) java.util.Arrays.fill(panel, dst + used, dst + KEY_BLOCK, 0f);
            }
        }
    }

    /**
     * The scores of four query vectors against blocks [0, blocks) of a key panel ({@link #packKeys}):
     * out[oo + t * oStride + j] = sum over d in [0, k) of a[ao + t * aStride + d] * key j's channel d, for t in
     * [0, 4) and j in [0, blocks * KEY_BLOCK). Every score is the in-order fma chain over d of {@link #columnDots};
     * scores of the padding keys are written too (zeros times the queries).
     */
    public static void panelDots4(float[] a, int ao, int aStride, int k, float[] panel, int po, int blocks,
                                  float[] out, int oo, int oStride) {
        int a1 = ao + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
        int o1 = oo + oStride, o2 = o1 + oStride, o3 = o2 + oStride;
        for (int b = 0, row = po; b < blocks; b++) {
            FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0, s3 = s0, t3 = s0;
            for (int d = 0; d < k; d++, row += KEY_BLOCK) {
                FloatVector m0 = FloatVector.fromArray(S, panel, row), m1 = FloatVector.fromArray(S, panel, row + L);
                FloatVector q = FloatVector.broadcast(S, a[ao + d]);
                s0 = m0.fma(q, s0); t0 = m1.fma(q, t0);
                q = FloatVector.broadcast(S, a[a1 + d]);
                s1 = m0.fma(q, s1); t1 = m1.fma(q, t1);
                q = FloatVector.broadcast(S, a[a2 + d]);
                s2 = m0.fma(q, s2); t2 = m1.fma(q, t2);
                q = FloatVector.broadcast(S, a[a3 + d]);
                s3 = m0.fma(q, s3); t3 = m1.fma(q, t3);
            }
            int j = b * KEY_BLOCK;
            s0.intoArray(out, oo + j); t0.intoArray(out, oo + j + L);
            s1.intoArray(out, o1 + j); t1.intoArray(out, o1 + j + L);
            s2.intoArray(out, o2 + j); t2.intoArray(out, o2 + j + L);
            s3.intoArray(out, o3 + j); t3.intoArray(out, o3 + j + L);
        }
    }

    // ---- softmax -------------------------------------------------------------------------------------------------
    // Scale and max are element-wise and order-free (the max of a set is the same whichever lane saw which value),
    // so they run in lanes; the sum of the exponentials is the double sum over keys in order, one chain per row.

    /** s[off + j], j in [first, last]: scaled, then softmax (max-shifted exponentials over their in-order double sum). */
    public static void softmax(float[] s, int off, int first, int last, float scale) {
        int from = off + first, to = off + last + 1;
        float max = scaleAndMax(s, from, to, scale);
        expShifted(s, from, to, max);
        double sum = 0;
        for (int j = from; j < to; j++) sum += s[j];
        scaleRange(s, from, to, (float) (1.0 / sum));
    }

    /**
     * {@link #softmax} of four rows of a causal tile: row t is s[off + t * stride + j], j in [0, last0 + t]. The
     * four sums run side by side, each in its own key order: four independent chains instead of one at a time.
     */
    public static void softmax4(float[] s, int off, int stride, int last0, float scale) {
        int r0 = off, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
        for (int t = 0, row = r0; t < ATTENTION_TILE; t++, row += stride) {
            int to = row + last0 + t + 1;
            expShifted(s, row, to, scaleAndMax(s, row, to, scale));
        }
        double u0 = 0, u1 = 0, u2 = 0, u3 = 0;
        for (int j = 0; j <= last0; j++) {
            u0 += s[r0 + j];
            u1 += s[r1 + j];
            u2 += s[r2 + j];
            u3 += s[r3 + j];
        }
        u1 += s[r1 + last0 + 1];
        u2 += s[r2 + last0 + 1];
        u2 += s[r2 + last0 + 2];
        u3 += s[r3 + last0 + 1];
        u3 += s[r3 + last0 + 2];
        u3 += s[r3 + last0 + 3];
        scaleRange(s, r0, r0 + last0 + 1, (float) (1.0 / u0));
        scaleRange(s, r1, r1 + last0 + 2, (float) (1.0 / u1));
        scaleRange(s, r2, r2 + last0 + 3, (float) (1.0 / u2));
        scaleRange(s, r3, r3 + last0 + 4, (float) (1.0 / u3));
    }

    /**
     * a[i] *= scale for i in [from, to); returns the largest scaled value. A NaN score makes it NaN (the scalar
     * loop of before skipped it): either way every probability of the row is NaN. +0 and -0 may swap as the
     * maximum; e^(s - max) is the same for both.
     */
    private static float scaleAndMax(float[] a, int from, int to, float scale) {
        FloatVector maxes = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = from;
        for (int bound = to - L; i <= bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, i).mul(scale);
            v.intoArray(a, i);
            maxes = maxes.max(v);
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) {
            a[i] *= scale;
            max = Math.max(max, a[i]);
        }
        return max;
    }

    private static void scaleRange(float[] a, int from, int to, float scale) {
        int i = from;
        for (int bound = to - L; i <= bound; i += L) FloatVector.fromArray(S, a, i).mul(scale).intoArray(a, i);
        for (; i < to; i++) a[i] *= scale;
    }

    // ---- e^x from IEEE operations only ---------------------------------------------------------------------------
    // Math.exp may differ by an ulp between JVMs and CPUs and runs one value at a time; this one is built from
    // min/max, fused multiply-adds and bit shifts, so a lane and the scalar tail give the same bits on any machine
    // and at any vector width. Cephes' expf: e^x = 2^n * e^r, r = x - n ln2 in [-ln2/2, ln2/2], degree-7 polynomial
    // for e^r; relative error below 2e-7. Inputs are clamped to [-87.34, 88] (results 2^-126 .. 1.65e38).

    private static final float EXP_LO = -87.33654f, EXP_HI = 88f, LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
    private static final int ROUND_BITS = 0x4B400000;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /** e^x with the arithmetic of every lane of {@link #expShifted}. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float t = Math.fma(x, LOG2E, ROUND), n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - ROUND_BITS + 127) << 23);
    }

    /** a[i] = e^(a[i] - shift) for i in [from, to): softmax numerators. */
    public static void expShifted(float[] a, int from, int to, float shift) {
        int i = from;
        for (int bound = to - L; i <= bound; i += L) expVector(FloatVector.fromArray(S, a, i).sub(shift)).intoArray(a, i);
        for (; i < to; i++) a[i] = exp(a[i] - shift);
    }

    /** gate[i] = silu(gate[i]) * up[i] = gate / (1 + e^-gate) * up, for i in [0, n): the SwiGLU product. */
    public static void siluTimes(float[] gate, float[] up, int n) {
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, gate, i);
            g.div(expVector(g.neg()).add(1f)).mul(FloatVector.fromArray(S, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) gate[i] = gate[i] / (exp(-gate[i]) + 1f) * up[i];
    }

    private static FloatVector expVector(FloatVector v) {
        FloatVector x = v.max(EXP_LO).min(EXP_HI);
        FloatVector t = x.fma(LOG2E, ROUND), n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, P0).fma(r, FloatVector.broadcast(S, P1));
        p = p.fma(r, FloatVector.broadcast(S, P2));
        p = p.fma(r, FloatVector.broadcast(S, P3));
        p = p.fma(r, FloatVector.broadcast(S, P4));
        p = p.fma(r, FloatVector.broadcast(S, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }
}
