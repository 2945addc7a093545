package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix product of a call with few positions, out[p][r] = sum over k of w[r][k] * x[p][k], with the vector
 * lanes across <em>positions</em> instead of weight rows: the activations (small for a short call) are transposed
 * once into k-major order, and each weight row is decoded once and broadcast one value at a time against them. No
 * weight panel is packed, which {@link Gemm} must do once per call and which costs as much as the multiply-adds
 * when the call has only a few dozen positions on a large model.
 *
 * <p>Every output is still the chain {@code s = fma(w[r][k], x[p][k], s)} for k = 0..K-1 from 0, only the lanes
 * that hold it differ, so this path gives {@link Gemm}'s bits exactly (the determinism contract of
 * docs/performance.md holds across the switch between them).
 */
final class PositionLanesGemm {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    /** Weight rows per register tile: 6 rows x 2 vectors of positions = 12 accumulators, as {@link Gemm}'s tile. */
    static final int TILE_ROWS = 6;
    /**
     * Calls of at most this many positions take this path: at or below it, it was faster than the packed panels on
     * 2048x768 F32 and 4096x4096 BF16 (crossover 128-192 positions on AVX2; docs/performance.md, session 4).
     */
    static final int MAX_POSITIONS = 96;

    private PositionLanesGemm() {
    }

    /** The whole product, split over the kernel threads by groups of {@link #TILE_ROWS} rows. */
    static void multiply(Tensor w, float[] x, int n, float[] out) {
        int k = w.cols(), m = Math.toIntExact(w.rows());
        int width = (n + L - 1) / L * L;
        float[] xt = transpose(x, n, k, width);
        int groups = (m + TILE_ROWS - 1) / TILE_ROWS;
        Parallel.forRange(groups, 1, (from, to) -> {
            for (int g = from; g < to; g++) multiplyRows(w, xt, width, n, out, g * TILE_ROWS, Math.min(m, (g + 1) * TILE_ROWS));
        });
    }

    /** xt[kk * width + p] = x[p * k + kk]; positions n..width-1 are zero (their lanes are computed and dropped). */
    static float[] transpose(float[] x, int n, int k, int width) {
        float[] xt = new float[k * width];
        for (int p = 0; p < n; p++) {
            for (int kk = 0, at = p; kk < k; kk++, at += width) xt[at] = x[p * k + kk];
        }
        return xt;
    }

    /** Rows [r0, r1) of the output, all positions, on the calling thread. */
    static void multiplyRows(Tensor w, float[] xt, int width, int n, float[] out, int r0, int r1) {
        int k = w.cols(), m = Math.toIntExact(w.rows()), rows = r1 - r0;
        Scratch scratch = SCRATCH.get();
        float[] wr = scratch.rows(TILE_ROWS * k), acc = scratch.acc(TILE_ROWS * width);
        for (int j = 0; j < rows; j++) w.readRow(r0 + j, wr, j * k);
        if (rows == TILE_ROWS) {
            int v = 0;
            for (; v + 2 * L <= width; v += 2 * L) tile6x2(wr, k, xt, width, v, acc);
            if (v < width) tile6x1(wr, k, xt, width, v, acc);
        } else {
            for (int j = 0; j < rows; j++) {
                for (int v = 0; v < width; v += L) tile1x1(wr, j * k, k, xt, width, v, acc, j * width);
            }
        }
        for (int j = 0; j < rows; j++) {
            for (int p = 0; p < n; p++) out[p * m + r0 + j] = acc[j * width + p];
        }
    }

    /** Six rows x two vectors of positions [v, v + 2 * lanes) over all of k; acc[j * width + p]. */
    private static void tile6x2(float[] wr, int k, float[] xt, int width, int v, float[] acc) {
        int l = L;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0,
                a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        int w1 = k, w2 = 2 * k, w3 = 3 * k, w4 = 4 * k, w5 = 5 * k;
        for (int kk = 0, at = v; kk < k; kk++, at += width) {
            FloatVector x0 = FloatVector.fromArray(S, xt, at), x1 = FloatVector.fromArray(S, xt, at + l);
            FloatVector c = FloatVector.broadcast(S, wr[kk]);
            a0 = x0.fma(c, a0); b0 = x1.fma(c, b0);
            c = FloatVector.broadcast(S, wr[w1 + kk]);
            a1 = x0.fma(c, a1); b1 = x1.fma(c, b1);
            c = FloatVector.broadcast(S, wr[w2 + kk]);
            a2 = x0.fma(c, a2); b2 = x1.fma(c, b2);
            c = FloatVector.broadcast(S, wr[w3 + kk]);
            a3 = x0.fma(c, a3); b3 = x1.fma(c, b3);
            c = FloatVector.broadcast(S, wr[w4 + kk]);
            a4 = x0.fma(c, a4); b4 = x1.fma(c, b4);
            c = FloatVector.broadcast(S, wr[w5 + kk]);
            a5 = x0.fma(c, a5); b5 = x1.fma(c, b5);
        }
        a0.intoArray(acc, v); b0.intoArray(acc, v + l);
        a1.intoArray(acc, width + v); b1.intoArray(acc, width + v + l);
        a2.intoArray(acc, 2 * width + v); b2.intoArray(acc, 2 * width + v + l);
        a3.intoArray(acc, 3 * width + v); b3.intoArray(acc, 3 * width + v + l);
        a4.intoArray(acc, 4 * width + v); b4.intoArray(acc, 4 * width + v + l);
        a5.intoArray(acc, 5 * width + v); b5.intoArray(acc, 5 * width + v + l);
    }

    /** Six rows x one vector of positions: the same chain per output as {@link #tile6x2}. */
    private static void tile6x1(float[] wr, int k, float[] xt, int width, int v, float[] acc) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        int w1 = k, w2 = 2 * k, w3 = 3 * k, w4 = 4 * k, w5 = 5 * k;
        for (int kk = 0, at = v; kk < k; kk++, at += width) {
            FloatVector x0 = FloatVector.fromArray(S, xt, at);
            a0 = x0.fma(FloatVector.broadcast(S, wr[kk]), a0);
            a1 = x0.fma(FloatVector.broadcast(S, wr[w1 + kk]), a1);
            a2 = x0.fma(FloatVector.broadcast(S, wr[w2 + kk]), a2);
            a3 = x0.fma(FloatVector.broadcast(S, wr[w3 + kk]), a3);
            a4 = x0.fma(FloatVector.broadcast(S, wr[w4 + kk]), a4);
            a5 = x0.fma(FloatVector.broadcast(S, wr[w5 + kk]), a5);
        }
        a0.intoArray(acc, v);
        a1.intoArray(acc, width + v);
        a2.intoArray(acc, 2 * width + v);
        a3.intoArray(acc, 3 * width + v);
        a4.intoArray(acc, 4 * width + v);
        a5.intoArray(acc, 5 * width + v);
    }

    /** One row (at wr[wo..]) x one vector of positions, for the last rows of the matrix. */
    private static void tile1x1(float[] wr, int wo, int k, float[] xt, int width, int v, float[] acc, int ao) {
        FloatVector a = FloatVector.zero(S);
        for (int kk = 0, at = v; kk < k; kk++, at += width) {
            a = FloatVector.fromArray(S, xt, at).fma(FloatVector.broadcast(S, wr[wo + kk]), a);
        }
        a.intoArray(acc, ao + v);
    }

    /** Per-thread buffers: the decoded rows of one tile and its accumulators. */
    private static final class Scratch {
        private float[] rows = new float[0], acc = new float[0];

        float[] rows(int size) {
            if (rows.length < size) rows = new float[size];
            return rows;
        }

        float[] acc(int size) {
            if (acc.length < size) acc = new float[size];
            return acc;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
