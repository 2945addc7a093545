package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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
            case 0 -> FloatVector.SPECIES_PREFERRED;
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
     * The sum of a vector's lanes in a fixed order. reduceLanes(ADD) leaves the order unspecified, so its result
     * can change between the interpreter and compiled code; a fixed order keeps every score reproducible.
     */
    public static float sum(FloatVector v) {
        int n = v.length();
        float[] t = new float[n];
        v.intoArray(t, 0);
        float s = 0;
        for (int i = 0; i < n; i += 2) s += t[i] + t[i + 1];
        return s;
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
    /** Query positions per attention tile of {@link #columnDots4} and {@link #weightedRowSum4}. */
    public static final int ATTENTION_TILE = 4;

    /**
     * {@link #columnDots} for four vectors at once: out[oo + t * oStride + j - from] = sum over d in [0, k) of
     * a[ao + t * aStride + d] * m[mo + d * stride + j] for t in [0, 4), j in [from, to). Each column vector of m is
     * loaded once for the four (attention: four query positions of one head against a block of keys) and every
     * result is the same in-order fma chain over d as in {@link #columnDots}.
     */
    public static void columnDots4(float[] a, int ao, int aStride, int k, float[] m, int mo, int stride, int from, int to,
                                   float[] out, int oo, int oStride) {
        int a1 = ao + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
        int o0 = oo - from, o1 = o0 + oStride, o2 = o1 + oStride, o3 = o2 + oStride;
        int j = from;
        for (int bound = to - 2 * L; j <= bound; j += 2 * L) {
            FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0, s3 = s0, t3 = s0;
            for (int d = 0, row = mo + j; d < k; d++, row += stride) {
                FloatVector m0 = FloatVector.fromArray(S, m, row), m1 = FloatVector.fromArray(S, m, row + L);
                FloatVector q = FloatVector.broadcast(S, a[ao + d]);
                s0 = m0.fma(q, s0); t0 = m1.fma(q, t0);
                q = FloatVector.broadcast(S, a[a1 + d]);
                s1 = m0.fma(q, s1); t1 = m1.fma(q, t1);
                q = FloatVector.broadcast(S, a[a2 + d]);
                s2 = m0.fma(q, s2); t2 = m1.fma(q, t2);
                q = FloatVector.broadcast(S, a[a3 + d]);
                s3 = m0.fma(q, s3); t3 = m1.fma(q, t3);
            }
            s0.intoArray(out, o0 + j); t0.intoArray(out, o0 + j + L);
            s1.intoArray(out, o1 + j); t1.intoArray(out, o1 + j + L);
            s2.intoArray(out, o2 + j); t2.intoArray(out, o2 + j + L);
            s3.intoArray(out, o3 + j); t3.intoArray(out, o3 + j + L);
        }
        for (; j < to; j++) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int d = 0, row = mo + j; d < k; d++, row += stride) {
                float md = m[row];
                s0 = Math.fma(md, a[ao + d], s0);
                s1 = Math.fma(md, a[a1 + d], s1);
                s2 = Math.fma(md, a[a2 + d], s2);
                s3 = Math.fma(md, a[a3 + d], s3);
            }
            out[o0 + j] = s0;
            out[o1 + j] = s1;
            out[o2 + j] = s2;
            out[o3 + j] = s3;
        }
    }

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
