package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised float primitives shared by all tensor kernels. */
public final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorMath() {
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
     * out[(p0+j)*outStride + r0+i] = dot(w row i, x row p0+j) for a tile of 4 weight rows (at w[wo + i*k]) by
     * 3 input rows (at x[(p0+j)*k]): 12 accumulators plus 3 + 1 operands fill the 16 AVX2 registers without
     * spilling, and each loaded vector serves three or four products. Every output has one accumulator summed in
     * k order and then {@link #finish}ed, exactly as {@link #dot1} computes it, so a result never depends on which
     * tile (or which thread) produced it.
     */
    static void tile4x3(float[] w, int wo, float[] x, int p0, int k, float[] out, int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        int x0 = p0 * k, x1 = x0 + k, x2 = x1 + k;
        int w0 = wo, w1 = wo + k, w2 = w1 + k, w3 = w2 + k;
        int i = 0;
        for (int bound = k - L; i <= bound; i += L) {
            FloatVector a0 = FloatVector.fromArray(S, x, x0 + i);
            FloatVector a1 = FloatVector.fromArray(S, x, x1 + i);
            FloatVector a2 = FloatVector.fromArray(S, x, x2 + i);
            FloatVector b = FloatVector.fromArray(S, w, w0 + i);
            c00 = b.fma(a0, c00); c01 = b.fma(a1, c01); c02 = b.fma(a2, c02);
            b = FloatVector.fromArray(S, w, w1 + i);
            c10 = b.fma(a0, c10); c11 = b.fma(a1, c11); c12 = b.fma(a2, c12);
            b = FloatVector.fromArray(S, w, w2 + i);
            c20 = b.fma(a0, c20); c21 = b.fma(a1, c21); c22 = b.fma(a2, c22);
            b = FloatVector.fromArray(S, w, w3 + i);
            c30 = b.fma(a0, c30); c31 = b.fma(a1, c31); c32 = b.fma(a2, c32);
        }
        int o0 = p0 * outStride + r0, o1 = o0 + outStride, o2 = o1 + outStride;
        out[o0] = finish(c00, w, w0, x, x0, i, k);
        out[o1] = finish(c01, w, w0, x, x1, i, k);
        out[o2] = finish(c02, w, w0, x, x2, i, k);
        out[o0 + 1] = finish(c10, w, w1, x, x0, i, k);
        out[o1 + 1] = finish(c11, w, w1, x, x1, i, k);
        out[o2 + 1] = finish(c12, w, w1, x, x2, i, k);
        out[o0 + 2] = finish(c20, w, w2, x, x0, i, k);
        out[o1 + 2] = finish(c21, w, w2, x, x1, i, k);
        out[o2 + 2] = finish(c22, w, w2, x, x2, i, k);
        out[o0 + 3] = finish(c30, w, w3, x, x0, i, k);
        out[o1 + 3] = finish(c31, w, w3, x, x1, i, k);
        out[o2 + 3] = finish(c32, w, w3, x, x2, i, k);
    }

    /** dot(w[wo ..], x[xo ..]) over k with the arithmetic of one {@link #tile4x3} entry: one accumulator, then finish. */
    static float dot1(float[] w, int wo, float[] x, int xo, int k) {
        FloatVector c = FloatVector.zero(S);
        int i = 0;
        for (int bound = k - L; i <= bound; i += L) c = FloatVector.fromArray(S, w, wo + i).fma(FloatVector.fromArray(S, x, xo + i), c);
        return finish(c, w, wo, x, xo, i, k);
    }

    /** Reduces one accumulator in the fixed lane order and adds the scalar tail [from, k). */
    private static float finish(FloatVector c, float[] w, int wo, float[] x, int xo, int from, int k) {
        float sum = sum(c);
        for (int t = from; t < k; t++) sum += w[wo + t] * x[xo + t];
        return sum;
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
}
