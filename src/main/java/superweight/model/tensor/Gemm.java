package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill matrix product out[p][r] = sum over k of w[r][k] * x[p][k] in outer-product form, as fast CPU BLAS
 * libraries compute it: a panel of {@code 2 * lanes} weight rows is decoded once (from any storage type) and packed
 * k-major, then a register tile of 5 positions x 2 vectors of rows accumulates broadcast(x[p][k]) * panel[k] for
 * k in order. The lanes run across weight rows, never along k, so there is no lane reduction per output and every
 * output is the scalar chain {@code s = fma(w[r][k], x[p][k], s)}, k = 0..K-1: its bits depend on the shapes alone,
 * not on the tile, the k block, the thread, the batch or the vector width (the determinism contract of
 * docs/performance.md).
 *
 * <p>The vector width is {@link VectorMath#S} (a constant the JIT folds; {@code -Dsuperweight.vector.bits=128|256|512}
 * picks one, which is how the tests run every width on any CPU).
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length(), PANEL_ROWS = 2 * L;
    /**
     * Positions per register tile: 5 x 2 accumulators leave C2 room for the 2 panel vectors and the broadcasts it
     * loads ahead within AVX2's 16 registers; with 6 x 2 it spilled two accumulators to the stack every k step
     * (and ran at half the speed; docs/performance.md, session 6).
     */
    static final int TILE_POSITIONS = 5;
    /** Depth of one k block: a packed block of 2 * lanes x 256 floats (32 KB at 512 bits) stays in L1. */
    static final int K_BLOCK = 256;
    /** Work items per thread when panels are few, so that many cores still share out one product. */
    private static final int TASKS_PER_THREAD = 4;

    private Gemm() {
    }

    /**
     * The whole product: up to {@link PositionLanesGemm#MAX_POSITIONS} positions with the lanes across positions
     * (no weight panel packed), more through the packed panels; both give the same bits.
     */
    public static void multiply(Tensor w, float[] x, int n, float[] out) {
        if (n <= 0) return;
        if (n <= PositionLanesGemm.MAX_POSITIONS) PositionLanesGemm.multiply(w, x, n, out);
        else multiplyPacked(w, x, n, out);
    }

    /** Packed panels, split over the kernel threads by panels of rows and, when panels are few, by positions. */
    static void multiplyPacked(Tensor w, float[] x, int n, float[] out) {
        if (n <= 0) return;
        int m = Math.toIntExact(w.rows()), panelRows = PANEL_ROWS;
        int panels = (m + panelRows - 1) / panelRows;
        int wanted = Parallel.threads() * TASKS_PER_THREAD;
        int tiles = (n + TILE_POSITIONS - 1) / TILE_POSITIONS;
        int positionBlocks = panels >= wanted ? 1 : Math.min(tiles, (wanted + panels - 1) / panels);
        int blockPositions = (tiles + positionBlocks - 1) / positionBlocks * TILE_POSITIONS;
        int blocks = (n + blockPositions - 1) / blockPositions;
        Parallel.forRange(panels * blocks, 1, (from, to) -> {
            for (int task = from; task < to; task++) {
                int r0 = task / blocks * panelRows, p0 = task % blocks * blockPositions;
                multiplyPanel(w, x, n, out, r0, p0, Math.min(n, p0 + blockPositions));
            }
        });
    }

    /** Rows [r0, r0 + 2 * lanes) of the output for positions [p0, p1), on the calling thread. */
    static void multiplyPanel(Tensor w, float[] x, int n, float[] out, int r0, int p0, int p1) {
        int k = w.cols(), m = Math.toIntExact(w.rows()), nr = PANEL_ROWS;
        Scratch scratch = SCRATCH.get();
        float[] panel = scratch.panel(nr * k);
        pack(w, r0, nr, panel);
        // A full panel accumulates straight into out; the last, partial one into a tile of nr columns.
        boolean full = r0 + nr <= m;
        float[] c = full ? out : scratch.edge(n * nr);
        int cOff = full ? r0 : 0, cStride = full ? m : nr;
        for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
            int k1 = Math.min(k, k0 + K_BLOCK);
            int p = p0;
            for (; p + TILE_POSITIONS <= p1; p += TILE_POSITIONS) tile5(panel, x, k, k0, k1, p, c, cOff, cStride);
            for (; p < p1; p++) tile1(panel, x, k, k0, k1, p, c, cOff, cStride);
        }
        if (!full) {
            for (int p = p0; p < p1; p++) System.arraycopy(c, p * nr, out, p * m + r0, m - r0);
        }
    }

    /** panel[kk * nr + j] = w[r0 + j][kk]: rows decoded once, stored k-major; rows past the end are zero. */
    static void pack(Tensor w, int r0, int nr, float[] panel) {
        int k = w.cols(), rows = (int) Math.min(nr, w.rows() - r0);
        float[] row = SCRATCH.get().row(k);
        for (int j = 0; j < rows; j++) {
            w.readRow(r0 + j, row, 0);
            for (int kk = 0, at = j; kk < k; kk++, at += nr) panel[at] = row[kk];
        }
        for (int j = rows; j < nr; j++) {
            for (int kk = 0, at = j; kk < k; kk++, at += nr) panel[at] = 0f;
        }
    }

    /**
     * Five positions x two vectors of panel rows over k in [k0, k1): the accumulators start from c (or zero at
     * k0 = 0) and go back to c, so a k block continues each output's chain exactly where the last one stopped.
     */
    private static void tile5(float[] panel, float[] x, int k, int k0, int k1, int p,
                              float[] c, int cOff, int cStride) {
        int l = L, nr = PANEL_ROWS;
        int o0 = p * cStride + cOff, o1 = o0 + cStride, o2 = o1 + cStride, o3 = o2 + cStride, o4 = o3 + cStride;
        FloatVector a0, b0, a1, b1, a2, b2, a3, b3, a4, b4;
        if (k0 == 0) {
            a0 = FloatVector.zero(S);
            b0 = a0; a1 = a0; b1 = a0; a2 = a0; b2 = a0; a3 = a0; b3 = a0; a4 = a0; b4 = a0;
        } else {
            a0 = FloatVector.fromArray(S, c, o0); b0 = FloatVector.fromArray(S, c, o0 + l);
            a1 = FloatVector.fromArray(S, c, o1); b1 = FloatVector.fromArray(S, c, o1 + l);
            a2 = FloatVector.fromArray(S, c, o2); b2 = FloatVector.fromArray(S, c, o2 + l);
            a3 = FloatVector.fromArray(S, c, o3); b3 = FloatVector.fromArray(S, c, o3 + l);
            a4 = FloatVector.fromArray(S, c, o4); b4 = FloatVector.fromArray(S, c, o4 + l);
        }
        int x0 = p * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k, x4 = x3 + k;
        for (int kk = k0; kk < k1; kk++) {
            FloatVector w0 = FloatVector.fromArray(S, panel, kk * nr), w1 = FloatVector.fromArray(S, panel, kk * nr + l);
            FloatVector v = FloatVector.broadcast(S, x[x0 + kk]);
            a0 = w0.fma(v, a0); b0 = w1.fma(v, b0);
            v = FloatVector.broadcast(S, x[x1 + kk]);
            a1 = w0.fma(v, a1); b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(S, x[x2 + kk]);
            a2 = w0.fma(v, a2); b2 = w1.fma(v, b2);
            v = FloatVector.broadcast(S, x[x3 + kk]);
            a3 = w0.fma(v, a3); b3 = w1.fma(v, b3);
            v = FloatVector.broadcast(S, x[x4 + kk]);
            a4 = w0.fma(v, a4); b4 = w1.fma(v, b4);
        }
        a0.intoArray(c, o0); b0.intoArray(c, o0 + l);
        a1.intoArray(c, o1); b1.intoArray(c, o1 + l);
        a2.intoArray(c, o2); b2.intoArray(c, o2 + l);
        a3.intoArray(c, o3); b3.intoArray(c, o3 + l);
        a4.intoArray(c, o4); b4.intoArray(c, o4 + l);
    }

    /** One position x two vectors of panel rows: the same chain per output as {@link #tile5}. */
    private static void tile1(float[] panel, float[] x, int k, int k0, int k1, int p,
                              float[] c, int cOff, int cStride) {
        int l = L, nr = PANEL_ROWS, o = p * cStride + cOff, xo = p * k;
        FloatVector a = k0 == 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, o);
        FloatVector b = k0 == 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, o + l);
        for (int kk = k0, at = k0 * nr; kk < k1; kk++, at += nr) {
            FloatVector v = FloatVector.broadcast(S, x[xo + kk]);
            a = FloatVector.fromArray(S, panel, at).fma(v, a);
            b = FloatVector.fromArray(S, panel, at + l).fma(v, b);
        }
        a.intoArray(c, o);
        b.intoArray(c, o + l);
    }

    /** Per-thread buffers: the packed panel, one decoded row, and the edge tile. */
    private static final class Scratch {
        private float[] panel = new float[0], row = new float[0], edge = new float[0];

        float[] panel(int size) {
            if (panel.length < size) panel = new float[size];
            return panel;
        }

        float[] row(int size) {
            if (row.length < size) row = new float[size];
            return row;
        }

        float[] edge(int size) {
            if (edge.length < size) edge = new float[size];
            return edge;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
