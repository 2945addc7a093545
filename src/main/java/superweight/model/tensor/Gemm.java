package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The prefill matrix product out[p][r] = sum over k of w[r][k] * x[p][k] in outer-product form, as fast CPU BLAS
 * libraries compute it: a panel of weight rows (2 or 3 vectors' worth) is decoded once (from any storage type) and
 * packed k-major, then a register tile of positions x vectors of rows (5 x 2, or 8 x 3 at 512 bits) accumulates
 * broadcast(x[p][k]) * panel[k] for k in order. The lanes run across weight rows, never along k, so there is no
 * lane reduction per output and every output is the scalar chain {@code s = fma(w[r][k], x[p][k], s)},
 * k = 0..K-1: its bits depend on the shapes alone, not on the tile, the k block, the thread, the batch or the vector
 * width (the determinism contract of docs/performance.md).
 *
 * <p>The vector width is {@link VectorMath#S} (a constant the JIT folds; {@code -Dsuperweight.vector.bits=128|256|512}
 * picks one, which is how the tests run every width on any CPU).
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    /**
     * The register tile, by width. Up to 256 bits, 5 positions x 2 vectors: 10 accumulators leave C2 room for the
     * 2 panel vectors and the broadcasts it loads ahead within AVX2's 16 registers (6 x 2 spilled two accumulators
     * to the stack every k step and ran at half the speed; docs/performance.md, session 6). At 512 bits AVX-512 has
     * 32 registers: 8 x 3 (24 accumulators) measured 1.5x the speed of 5 x 2, ahead of 12 x 2, 9 x 3, 6 x 4 and
     * 4 x 6 (session 13).
     */
    private static final boolean TILE_8X3 = S.vectorBitSize() >= 512;
    static final int TILE_POSITIONS = TILE_8X3 ? 8 : 5, PANEL_VECTORS = TILE_8X3 ? 3 : 2;
    static final int PANEL_ROWS = PANEL_VECTORS * L;
    /** Depth of one k block: a packed block of panel rows x 256 floats (16 KB at 256 bits, 48 KB at 512) near L1. */
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

    /** Rows [r0, r0 + PANEL_ROWS) of the output for positions [p0, p1), on the calling thread. */
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
            if (TILE_8X3) {
                for (; p + TILE_POSITIONS <= p1; p += TILE_POSITIONS) tile8x3(panel, x, k, k0, k1, p, c, cOff, cStride);
                for (; p < p1; p++) tile1x3(panel, x, k, k0, k1, p, c, cOff, cStride);
            } else {
                for (; p + TILE_POSITIONS <= p1; p += TILE_POSITIONS) tile5x2(panel, x, k, k0, k1, p, c, cOff, cStride);
                for (; p < p1; p++) tile1x2(panel, x, k, k0, k1, p, c, cOff, cStride);
            }
        }
        if (!full) {
            for (int p = p0; p < p1; p++) System.arraycopy(c, p * nr, out, p * m + r0, m - r0);
        }
    }

    /**
     * panel[kk * nr + j] = w[r0 + j][kk]: rows decoded once, stored k-major; rows past the end are zero. The rows are
     * decoded side by side first, then each k's column of a vector's worth of rows is one gather load and one store
     * (scalar stores down each row's column of the panel measured 2-2.5x slower at 512 bits, session 13). Moves
     * values only: the bits are those of the decoded rows.
     */
    static void pack(Tensor w, int r0, int nr, float[] panel) {
        int k = w.cols(), rows = (int) Math.min(nr, w.rows() - r0), whole = rows / L * L;
        Scratch scratch = SCRATCH.get();
        float[] decoded = scratch.rows(nr * k);
        int[] column = scratch.column(k);
        for (int j = 0; j < rows; j++) w.readRow(r0 + j, decoded, j * k);
        for (int kk = 0; kk < k; kk++) {
            int at = kk * nr;
            for (int j = 0; j < whole; j += L) FloatVector.fromArray(S, decoded, j * k + kk, column, 0).intoArray(panel, at + j);
            for (int j = whole; j < rows; j++) panel[at + j] = decoded[j * k + kk];
            for (int j = rows; j < nr; j++) panel[at + j] = 0f;
        }
    }

    /**
     * Five positions x two vectors of panel rows over k in [k0, k1): the accumulators start from c (or zero at
     * k0 = 0) and go back to c, so a k block continues each output's chain exactly where the last one stopped.
     */
    private static void tile5x2(float[] panel, float[] x, int k, int k0, int k1, int p,
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

    /** One position x two vectors of panel rows: the same chain per output as {@link #tile5x2}. */
    private static void tile1x2(float[] panel, float[] x, int k, int k0, int k1, int p,
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

    /**
     * Eight positions x three vectors of panel rows (the 512-bit tile), as {@link #tile5x2}: the accumulators continue
     * each output's chain from c. Written out, like tile5x2: arrays of vectors would not stay in registers.
     */
    private static void tile8x3(float[] panel, float[] x, int k, int k0, int k1, int p,
                                float[] c, int cOff, int cStride) {
        int l = L, nr = PANEL_ROWS;
        int o0 = p * cStride + cOff, o1 = o0 + cStride, o2 = o1 + cStride, o3 = o2 + cStride, o4 = o3 + cStride, o5 = o4 + cStride, o6 = o5 + cStride, o7 = o6 + cStride;
        FloatVector a0, b0, d0, a1, b1, d1, a2, b2, d2, a3, b3, d3, a4, b4, d4, a5, b5, d5, a6, b6, d6, a7, b7, d7;
        if (k0 == 0) {
            a0 = FloatVector.zero(S);
            b0 = a0; d0 = a0; a1 = a0; b1 = a0; d1 = a0; a2 = a0; b2 = a0; d2 = a0; a3 = a0; b3 = a0; d3 = a0; a4 = a0; b4 = a0; d4 = a0; a5 = a0; b5 = a0; d5 = a0; a6 = a0; b6 = a0; d6 = a0; a7 = a0; b7 = a0; d7 = a0;
        } else {
            a0 = FloatVector.fromArray(S, c, o0); b0 = FloatVector.fromArray(S, c, o0 + l); d0 = FloatVector.fromArray(S, c, o0 + 2 * l);
            a1 = FloatVector.fromArray(S, c, o1); b1 = FloatVector.fromArray(S, c, o1 + l); d1 = FloatVector.fromArray(S, c, o1 + 2 * l);
            a2 = FloatVector.fromArray(S, c, o2); b2 = FloatVector.fromArray(S, c, o2 + l); d2 = FloatVector.fromArray(S, c, o2 + 2 * l);
            a3 = FloatVector.fromArray(S, c, o3); b3 = FloatVector.fromArray(S, c, o3 + l); d3 = FloatVector.fromArray(S, c, o3 + 2 * l);
            a4 = FloatVector.fromArray(S, c, o4); b4 = FloatVector.fromArray(S, c, o4 + l); d4 = FloatVector.fromArray(S, c, o4 + 2 * l);
            a5 = FloatVector.fromArray(S, c, o5); b5 = FloatVector.fromArray(S, c, o5 + l); d5 = FloatVector.fromArray(S, c, o5 + 2 * l);
            a6 = FloatVector.fromArray(S, c, o6); b6 = FloatVector.fromArray(S, c, o6 + l); d6 = FloatVector.fromArray(S, c, o6 + 2 * l);
            a7 = FloatVector.fromArray(S, c, o7); b7 = FloatVector.fromArray(S, c, o7 + l); d7 = FloatVector.fromArray(S, c, o7 + 2 * l);
        }
        int x0 = p * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k, x4 = x3 + k, x5 = x4 + k, x6 = x5 + k, x7 = x6 + k;
        for (int kk = k0; kk < k1; kk++) {
            int at = kk * nr;
            FloatVector w0 = FloatVector.fromArray(S, panel, at), w1 = FloatVector.fromArray(S, panel, at + l), w2 = FloatVector.fromArray(S, panel, at + 2 * l);
            FloatVector v = FloatVector.broadcast(S, x[x0 + kk]);
            a0 = w0.fma(v, a0); b0 = w1.fma(v, b0); d0 = w2.fma(v, d0);
            v = FloatVector.broadcast(S, x[x1 + kk]);
            a1 = w0.fma(v, a1); b1 = w1.fma(v, b1); d1 = w2.fma(v, d1);
            v = FloatVector.broadcast(S, x[x2 + kk]);
            a2 = w0.fma(v, a2); b2 = w1.fma(v, b2); d2 = w2.fma(v, d2);
            v = FloatVector.broadcast(S, x[x3 + kk]);
            a3 = w0.fma(v, a3); b3 = w1.fma(v, b3); d3 = w2.fma(v, d3);
            v = FloatVector.broadcast(S, x[x4 + kk]);
            a4 = w0.fma(v, a4); b4 = w1.fma(v, b4); d4 = w2.fma(v, d4);
            v = FloatVector.broadcast(S, x[x5 + kk]);
            a5 = w0.fma(v, a5); b5 = w1.fma(v, b5); d5 = w2.fma(v, d5);
            v = FloatVector.broadcast(S, x[x6 + kk]);
            a6 = w0.fma(v, a6); b6 = w1.fma(v, b6); d6 = w2.fma(v, d6);
            v = FloatVector.broadcast(S, x[x7 + kk]);
            a7 = w0.fma(v, a7); b7 = w1.fma(v, b7); d7 = w2.fma(v, d7);
        }
        a0.intoArray(c, o0); b0.intoArray(c, o0 + l); d0.intoArray(c, o0 + 2 * l);
        a1.intoArray(c, o1); b1.intoArray(c, o1 + l); d1.intoArray(c, o1 + 2 * l);
        a2.intoArray(c, o2); b2.intoArray(c, o2 + l); d2.intoArray(c, o2 + 2 * l);
        a3.intoArray(c, o3); b3.intoArray(c, o3 + l); d3.intoArray(c, o3 + 2 * l);
        a4.intoArray(c, o4); b4.intoArray(c, o4 + l); d4.intoArray(c, o4 + 2 * l);
        a5.intoArray(c, o5); b5.intoArray(c, o5 + l); d5.intoArray(c, o5 + 2 * l);
        a6.intoArray(c, o6); b6.intoArray(c, o6 + l); d6.intoArray(c, o6 + 2 * l);
        a7.intoArray(c, o7); b7.intoArray(c, o7 + l); d7.intoArray(c, o7 + 2 * l);
    }

    /** One position x three vectors of panel rows: the same chain per output as {@link #tile8x3}. */
    private static void tile1x3(float[] panel, float[] x, int k, int k0, int k1, int p,
                                float[] c, int cOff, int cStride) {
        int l = L, nr = PANEL_ROWS, o = p * cStride + cOff, xo = p * k;
        FloatVector a = k0 == 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, o);
        FloatVector b = k0 == 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, o + l);
        FloatVector d = k0 == 0 ? FloatVector.zero(S) : FloatVector.fromArray(S, c, o + 2 * l);
        for (int kk = k0, at = k0 * nr; kk < k1; kk++, at += nr) {
            FloatVector v = FloatVector.broadcast(S, x[xo + kk]);
            a = FloatVector.fromArray(S, panel, at).fma(v, a);
            b = FloatVector.fromArray(S, panel, at + l).fma(v, b);
            d = FloatVector.fromArray(S, panel, at + 2 * l).fma(v, d);
        }
        a.intoArray(c, o);
        b.intoArray(c, o + l);
        d.intoArray(c, o + 2 * l);
    }

    /** Per-thread buffers: the packed panel, its rows decoded, the gather offsets of a column, and the edge tile. */
    private static final class Scratch {
        private float[] panel = new float[0], rows = new float[0], edge = new float[0];
        private int[] column = new int[L];

        float[] panel(int size) {
            if (panel.length < size) panel = new float[size];
            return panel;
        }

        float[] rows(int size) {
            if (rows.length < size) rows = new float[size];
            return rows;
        }

        /** {0, k, 2k, ...}: one value of each of a vector's worth of rows k floats apart. */
        int[] column(int k) {
            if (column[1] != k) {
                for (int i = 0; i < L; i++) column[i] = i * k;
            }
            return column;
        }

        float[] edge(int size) {
            if (edge.length < size) edge = new float[size];
            return edge;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
