package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The int8 prefill product for 32-value block types (Q8_0 x Q8_0, Q4_0 x Q8_0, Q4_1 x Q8_1) in outer-product
 * form, as {@link Gemm}: a panel of {@code 2 * lanes} weight rows is unpacked once into its integer codes (k-major),
 * and a tile of 4 positions x 2 vectors accumulates broadcast(qy[p][k]) * qx[k] along each block. The lanes run
 * across rows, so there is no reduction per block, and the per-block float steps of llama.cpp's reference dot
 * ({@link Int8Kernels}) are applied lane by lane, operation for operation.
 *
 * <p>The integer sums are computed in float lanes, exactly: every product and partial sum of a block is an integer
 * of magnitude at most 32 * 128 * 127 &lt; 2^24, which a float holds exactly, so each fused multiply-add is exact and
 * the result is the integer sum whatever the order. This reaches the float GEMM's speed, which the Vector API's
 * integer multiplies (no VNNI, no pmaddubsw) do not.
 */
final class Int8Gemm {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length(), NR = 2 * L, TILE = 4, BLOCK = 32;
    private static final int TASKS_PER_THREAD = 4;

    private Int8Gemm() {
    }

    /** Whether {@code t} has this outer-product kernel (else {@link Int8Kernels#rowDots} serves every position). */
    static boolean supports(StoredTensor t) {
        return t instanceof Q8_0Tensor || t instanceof Q4_0Tensor || t instanceof Q4_1Tensor;
    }

    /** out[p * m + r] for all positions of {@code a} and rows r of the tensor (row r = stored row sourceRows[r]). */
    static void multiply(StoredTensor w, long[] sourceRows, Q8Activations a, float[] out) {
        int m = sourceRows.length, n = a.n;
        float[] y = new float[n * a.cols];
        for (int i = 0; i < y.length; i++) y[i] = a.qs[i];
        int panels = (m + NR - 1) / NR, wanted = Parallel.threads() * TASKS_PER_THREAD;
        int tiles = (n + TILE - 1) / TILE;
        int positionBlocks = panels >= wanted ? 1 : Math.min(tiles, (wanted + panels - 1) / panels);
        int blockPositions = (tiles + positionBlocks - 1) / positionBlocks * TILE;
        int blocks = (n + blockPositions - 1) / blockPositions;
        Parallel.forRange(panels * blocks, 1, (from, to) -> {
            Panel panel = PANEL.get();
            for (int task = from; task < to; task++) {
                int r0 = task / blocks * NR, p0 = task % blocks * blockPositions;
                panel.pack(w, sourceRows, r0, a.cols);
                panel.multiply(a, y, r0, p0, Math.min(n, p0 + blockPositions), out, m);
            }
        });
    }

    /** One packed panel: integer codes k-major, and each block's scale (and minimum, Q4_1) per row. */
    private static final class Panel {
        private float[] q = new float[0], dx = new float[0], mx = new float[0], edge = new float[0];
        private int kind;

        void pack(StoredTensor w, long[] sourceRows, int r0, int k) {
            int blocks = k / BLOCK, rows = Math.min(NR, sourceRows.length - r0);
            if (q.length < k * NR) q = new float[k * NR];
            if (dx.length < blocks * NR) {
                dx = new float[blocks * NR];
                mx = new float[blocks * NR];
            }
            java.util.Arrays.fill(q, 0, k * NR, 0f);
            java.util.Arrays.fill(dx, 0, blocks * NR, 0f);
            java.util.Arrays.fill(mx, 0, blocks * NR, 0f);
            kind = w instanceof Q8_0Tensor ? 0 : w instanceof Q4_0Tensor ? 1 : 2;
            int bytes = kind == 0 ? Q8_0Tensor.BYTES : kind == 1 ? Q4_0Tensor.BYTES : Q4_1Tensor.BYTES;
            for (int j = 0; j < rows; j++) {
                long at = sourceRows[r0 + j] * blocks * bytes;
                for (int b = 0; b < blocks; b++, at += bytes) {
                    dx[b * NR + j] = StoredTensor.f16(w.data.get(StoredTensor.I16, at));
                    int base = b * BLOCK * NR + j;
                    if (kind == 0) {
                        for (int e = 0; e < BLOCK; e++) q[base + e * NR] = w.data.get(StoredTensor.I8, at + 2 + e);
                        continue;
                    }
                    int offset = kind == 1 ? 8 : 0, qs = kind == 1 ? 2 : 4;
                    if (kind == 2) mx[b * NR + j] = StoredTensor.f16(w.data.get(StoredTensor.I16, at + 2));
                    for (int e = 0; e < 16; e++) {
                        int v = w.data.get(StoredTensor.I8, at + qs + e) & 0xFF;
                        q[base + e * NR] = (v & 15) - offset;
                        q[base + (e + 16) * NR] = (v >>> 4) - offset;
                    }
                }
            }
        }

        /** Positions [p0, p1) against this panel into out[p * m + r0 ..] (through a tile for the last, partial panel). */
        void multiply(Q8Activations a, float[] y, int r0, int p0, int p1, float[] out, int m) {
            boolean full = r0 + NR <= m;
            if (!full && edge.length < a.n * NR) edge = new float[a.n * NR];
            float[] c = full ? out : edge;
            int cOff = full ? r0 : 0, cStride = full ? m : NR;
            int p = p0;
            for (; p + TILE <= p1; p += TILE) tile4(a, y, p, c, cOff, cStride);
            for (; p < p1; p++) tile1(a, y, p, c, cOff, cStride);
            if (!full) {
                for (int i = p0; i < p1; i++) System.arraycopy(edge, i * NR, out, i * m + r0, m - r0);
            }
        }

        /** Four positions x two vectors of rows: per block the exact integer sums, then the block's float step. */
        private void tile4(Q8Activations a, float[] y, int p, float[] c, int cOff, int cStride) {
            int k = a.cols, o0 = p * cStride + cOff, o1 = o0 + cStride, o2 = o1 + cStride, o3 = o2 + cStride;
            FloatVector f0 = FloatVector.zero(S), g0 = f0, f1 = f0, g1 = f0, f2 = f0, g2 = f0, f3 = f0, g3 = f0;
            int y0 = p * k, y1 = y0 + k, y2 = y1 + k, y3 = y2 + k;
            for (int b = 0; b < a.blocks; b++) {
                FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0, s3 = s0, t3 = s0;
                for (int kk = b * BLOCK, at = kk * NR, end = kk + BLOCK; kk < end; kk++, at += NR) {
                    FloatVector w0 = FloatVector.fromArray(S, q, at), w1 = FloatVector.fromArray(S, q, at + L);
                    FloatVector v = FloatVector.broadcast(S, y[y0 + kk]);
                    s0 = w0.fma(v, s0); t0 = w1.fma(v, t0);
                    v = FloatVector.broadcast(S, y[y1 + kk]);
                    s1 = w0.fma(v, s1); t1 = w1.fma(v, t1);
                    v = FloatVector.broadcast(S, y[y2 + kk]);
                    s2 = w0.fma(v, s2); t2 = w1.fma(v, t2);
                    v = FloatVector.broadcast(S, y[y3 + kk]);
                    s3 = w0.fma(v, s3); t3 = w1.fma(v, t3);
                }
                FloatVector d0 = FloatVector.fromArray(S, dx, b * NR), d1 = FloatVector.fromArray(S, dx, b * NR + L);
                FloatVector m0 = FloatVector.fromArray(S, mx, b * NR), m1 = FloatVector.fromArray(S, mx, b * NR + L);
                int blk = p * a.blocks + b;
                f0 = step(f0, s0, d0, m0, a, blk); g0 = step(g0, t0, d1, m1, a, blk);
                f1 = step(f1, s1, d0, m0, a, blk + a.blocks); g1 = step(g1, t1, d1, m1, a, blk + a.blocks);
                f2 = step(f2, s2, d0, m0, a, blk + 2 * a.blocks); g2 = step(g2, t2, d1, m1, a, blk + 2 * a.blocks);
                f3 = step(f3, s3, d0, m0, a, blk + 3 * a.blocks); g3 = step(g3, t3, d1, m1, a, blk + 3 * a.blocks);
            }
            f0.intoArray(c, o0); g0.intoArray(c, o0 + L);
            f1.intoArray(c, o1); g1.intoArray(c, o1 + L);
            f2.intoArray(c, o2); g2.intoArray(c, o2 + L);
            f3.intoArray(c, o3); g3.intoArray(c, o3 + L);
        }

        private void tile1(Q8Activations a, float[] y, int p, float[] c, int cOff, int cStride) {
            int k = a.cols, o = p * cStride + cOff, y0 = p * k;
            FloatVector f = FloatVector.zero(S), g = f;
            for (int b = 0; b < a.blocks; b++) {
                FloatVector s = FloatVector.zero(S), t = s;
                for (int kk = b * BLOCK, at = kk * NR, end = kk + BLOCK; kk < end; kk++, at += NR) {
                    FloatVector v = FloatVector.broadcast(S, y[y0 + kk]);
                    s = FloatVector.fromArray(S, q, at).fma(v, s);
                    t = FloatVector.fromArray(S, q, at + L).fma(v, t);
                }
                int blk = p * a.blocks + b;
                f = step(f, s, FloatVector.fromArray(S, dx, b * NR), FloatVector.fromArray(S, mx, b * NR), a, blk);
                g = step(g, t, FloatVector.fromArray(S, dx, b * NR + L), FloatVector.fromArray(S, mx, b * NR + L), a, blk);
            }
            f.intoArray(c, o);
            g.intoArray(c, o + L);
        }

        /**
         * The block's float step of the reference dot, lane by lane: Q8_0 sumf + sumi * (dx * dy), Q4_0
         * sumf + sumi * dx * dy, Q4_1 sumf + ((dx * dy) * sumi + mx * sy); separate roundings, no fused operation.
         */
        private FloatVector step(FloatVector sumf, FloatVector sumi, FloatVector d, FloatVector m, Q8Activations a, int blk) {
            float dy = a.d[blk];
            return switch (kind) {
                case 0 -> sumf.add(sumi.mul(d.mul(dy)));
                case 1 -> sumf.add(sumi.mul(d).mul(dy));
                default -> sumf.add(d.mul(dy).mul(sumi).add(m.mul(a.s[blk])));
            };
        }
    }

    private static final ThreadLocal<Panel> PANEL = ThreadLocal.withInitial(Panel::new);
}
