package superweight.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
        float[] t = new float[L];
        v.intoArray(t, 0);
        float s = 0;
        for (int i = 0; i < L; i += 2) s += t[i] + t[i + 1];
        return s;
    }

    /** y[yo .. yo+n) += a * x[xo .. xo+n). */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector va = FloatVector.broadcast(S, a);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector.fromArray(S, x, xo + i).fma(va, FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /**
     * out[(p0+j)*outStride + r0+i] = dot(w row i, x row p0+j) for a 4x4 tile: 4 weight rows at w[wo + i*k]
     * against 4 input rows at x[(p0+j)*k]. Each loaded vector serves four products.
     */
    static void tile4x4(float[] w, int wo, float[] x, int p0, int k, float[] out, int outStride, int r0) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int x0 = p0 * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        int w0 = wo, w1 = wo + k, w2 = w1 + k, w3 = w2 + k;
        int i = 0;
        for (int bound = k - L; i <= bound; i += L) {
            FloatVector a0 = FloatVector.fromArray(S, x, x0 + i);
            FloatVector a1 = FloatVector.fromArray(S, x, x1 + i);
            FloatVector a2 = FloatVector.fromArray(S, x, x2 + i);
            FloatVector a3 = FloatVector.fromArray(S, x, x3 + i);
            FloatVector b = FloatVector.fromArray(S, w, w0 + i);
            c00 = b.fma(a0, c00); c01 = b.fma(a1, c01); c02 = b.fma(a2, c02); c03 = b.fma(a3, c03);
            b = FloatVector.fromArray(S, w, w1 + i);
            c10 = b.fma(a0, c10); c11 = b.fma(a1, c11); c12 = b.fma(a2, c12); c13 = b.fma(a3, c13);
            b = FloatVector.fromArray(S, w, w2 + i);
            c20 = b.fma(a0, c20); c21 = b.fma(a1, c21); c22 = b.fma(a2, c22); c23 = b.fma(a3, c23);
            b = FloatVector.fromArray(S, w, w3 + i);
            c30 = b.fma(a0, c30); c31 = b.fma(a1, c31); c32 = b.fma(a2, c32); c33 = b.fma(a3, c33);
        }
        store(c00, w, wo, x, p0, k, i, out, outStride, r0, 0, 0);
        store(c01, w, wo, x, p0, k, i, out, outStride, r0, 0, 1);
        store(c02, w, wo, x, p0, k, i, out, outStride, r0, 0, 2);
        store(c03, w, wo, x, p0, k, i, out, outStride, r0, 0, 3);
        store(c10, w, wo, x, p0, k, i, out, outStride, r0, 1, 0);
        store(c11, w, wo, x, p0, k, i, out, outStride, r0, 1, 1);
        store(c12, w, wo, x, p0, k, i, out, outStride, r0, 1, 2);
        store(c13, w, wo, x, p0, k, i, out, outStride, r0, 1, 3);
        store(c20, w, wo, x, p0, k, i, out, outStride, r0, 2, 0);
        store(c21, w, wo, x, p0, k, i, out, outStride, r0, 2, 1);
        store(c22, w, wo, x, p0, k, i, out, outStride, r0, 2, 2);
        store(c23, w, wo, x, p0, k, i, out, outStride, r0, 2, 3);
        store(c30, w, wo, x, p0, k, i, out, outStride, r0, 3, 0);
        store(c31, w, wo, x, p0, k, i, out, outStride, r0, 3, 1);
        store(c32, w, wo, x, p0, k, i, out, outStride, r0, 3, 2);
        store(c33, w, wo, x, p0, k, i, out, outStride, r0, 3, 3);
    }

    /** Reduces one accumulator, adds the scalar tail [from, k) and stores it. */
    private static void store(FloatVector c, float[] w, int wo, float[] x, int p0, int k, int from, float[] out, int outStride,
                              int r0, int r, int p) {
        float sum = sum(c);
        for (int t = from; t < k; t++) sum += w[wo + r * k + t] * x[(p0 + p) * k + t];
        out[(p0 + p) * outStride + r0 + r] = sum;
    }
}
