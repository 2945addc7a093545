package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The int8 prefill product (Q8_0 x Q8_0, Q4_0 x Q8_0, Q4_1 x Q8_1, Q4_K/Q5_K/Q6_K x Q8_K) in outer-product form,
 * as {@link Gemm}: a panel of {@code 2 * lanes} weight rows is unpacked once into integers (k-major), and a tile of
 * 6 positions x 2 vectors accumulates broadcast(qy[p][k]) * qx[k] over each group of 32 k. The lanes run across
 * rows, so there is no reduction per group, and the float steps of llama.cpp's reference dots ({@link Int8Kernels})
 * are applied lane by lane, operation for operation.
 *
 * <p>A group is a 32-value block for the 32-value types. For the K-quants, whose reference dot keeps eight integer
 * sums per super-block (aux32[l] over the values of index l mod 8, each value times its sub-block's scale), the
 * panel holds scale * q and is ordered by those residues: group 8 * sb + l is the 32 values of index l mod 8 of
 * super-block sb (the activations are reordered alike), so one group's sum is aux32[l]. The running float sums
 * (sumf per 32-value block; sums[0..7] and the minimum term per super-block) live in memory between groups, which
 * leaves the 16 vector registers of AVX2 to the 12 accumulators of the tile.
 *
 * <p>The integer sums are computed in float lanes, exactly: every product and partial sum of a group is an integer
 * of magnitude below 2^24 (at most 32 * 128 * 127 for Q8_0, 32 * 128 * 32 * 127 for Q6_K), which a float holds, so
 * each fused multiply-add is exact and the result is the integer sum whatever the order. This reaches the float
 * GEMM's speed, which the Vector API's integer multiplies (no VNNI, no pmaddubsw) do not.
 */
final class Int8Gemm {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length(), NR = 2 * L, TILE = 6, GROUP = 32;
    private static final int TASKS_PER_THREAD = 4;
    private static final int Q8_0 = 0, Q4_0 = 1, Q4_1 = 2, Q4_K = 3, Q5_K = 4, Q6_K = 5;

    private Int8Gemm() {
    }

    /** Whether {@code t} has this outer-product kernel (else {@link Int8Kernels#rowDots} serves every position). */
    static boolean supports(StoredTensor t) {
        return kind(t) >= 0;
    }

    private static int kind(StoredTensor t) {
        return switch (t) {
            case Q8_0Tensor _ -> Q8_0;
            case Q4_0Tensor _ -> Q4_0;
            case Q4_1Tensor _ -> Q4_1;
            case Q4_KTensor _ -> Q4_K;
            case Q5_KTensor _ -> Q5_K;
            case Q6_KTensor _ -> Q6_K;
            default -> -1;
        };
    }

    /** out[p * m + r] for all positions of {@code a} and rows r of the tensor (row r = stored row sourceRows[r]). */
    static void multiply(StoredTensor w, long[] sourceRows, Q8Activations a, float[] out) {
        int m = sourceRows.length, n = a.n, kind = kind(w);
        float[] y = activationsInPanelOrder(a, kind >= Q4_K);
        int panels = (m + NR - 1) / NR, wanted = Parallel.threads() * TASKS_PER_THREAD;
        int tiles = (n + TILE - 1) / TILE;
        int positionBlocks = panels >= wanted ? 1 : Math.min(tiles, (wanted + panels - 1) / panels);
        int blockPositions = (tiles + positionBlocks - 1) / positionBlocks * TILE;
        int blocks = (n + blockPositions - 1) / blockPositions;
        Parallel.forRange(panels * blocks, 1, (from, to) -> {
            Panel panel = PANEL.get();
            for (int task = from; task < to; task++) {
                int r0 = task / blocks * NR, p0 = task % blocks * blockPositions;
                panel.pack(w, kind, sourceRows, r0, a.cols);
                panel.multiply(a, y, r0, p0, Math.min(n, p0 + blockPositions), out, m);
            }
        });
    }

    /**
     * The quantized activations as floats (exact); for the K-quants in the panel's order: per super-block the 32
     * values of index 0 mod 8, then those of index 1 mod 8, and so on.
     */
    private static float[] activationsInPanelOrder(Q8Activations a, boolean byResidue) {
        if (!byResidue) return a.values();
        float[] y = new float[a.n * a.cols];
        for (int base = 0; base < y.length; base += 256) {
            for (int l = 0; l < 8; l++) {
                for (int e = 0; e < GROUP; e++) y[base + l * GROUP + e] = a.qs[base + e * 8 + l];
            }
        }
        return y;
    }

    /** One packed panel: integer codes (times their sub-block scale, K-quants) k-major, and the scales per row. */
    private static final class Panel {
        /** Codes, group by group, NR rows per k. */
        private float[] q = new float[0];
        /** Per 32-value block (per super-block for the K-quants) and row: d; and Q4_1's minimum or the K-quants' dmin. */
        private float[] dx = new float[0], mx = new float[0];
        /** Q4_K/Q5_K: the 6-bit minimum of each sub-block of each super-block, per row. */
        private float[] mins = new float[0];
        /** The integer sums of one group of a tile, NR per position. */
        private final float[] groupSums = new float[TILE * NR];
        /**
         * One tile's running sums, NR per position: first sumf (32-value types) or the finished dot (K-quants), then
         * for the K-quants sums[0..7] and the minimum term.
         */
        private final float[] sums = new float[10 * TILE * NR];
        private final int[] codes = new int[256], scales = new int[256];
        /** The stored bytes of the panel's rows (32-value types), copied out of the segment once per panel. */
        private byte[] stored = new byte[0];
        private int kind;

        void pack(StoredTensor w, int kind, long[] sourceRows, int r0, int k) {
            this.kind = kind;
            int rows = Math.min(NR, sourceRows.length - r0), perBlock = kind >= Q4_K ? 256 : 32, blocks = k / perBlock;
            if (q.length < k * NR) q = new float[k * NR];
            if (dx.length < blocks * NR) {
                dx = new float[blocks * NR];
                mx = new float[blocks * NR];
                mins = new float[blocks * 8 * NR];
            }
            if (rows < NR) { // the rows past the end stay zero; a full panel overwrites every value
                java.util.Arrays.fill(q, 0, k * NR, 0f);
                java.util.Arrays.fill(dx, 0, blocks * NR, 0f);
                java.util.Arrays.fill(mx, 0, blocks * NR, 0f);
            }
            if (kind >= Q4_K) {
                for (int j = 0; j < rows; j++) packKQuantRow(w.data, sourceRows[r0 + j] * blocks, blocks, j);
                return;
            }
            int bytes = kind == Q8_0 ? Q8_0Tensor.BYTES : kind == Q4_0 ? Q4_0Tensor.BYTES : Q4_1Tensor.BYTES, rowBytes = blocks * bytes;
            if (stored.length < rows * rowBytes) stored = new byte[NR * rowBytes];
            for (int j = 0; j < rows; j++) {
                MemorySegment.copy(w.data, StoredTensor.I8, sourceRows[r0 + j] * rowBytes, stored, j * rowBytes, rowBytes);
            }
            // block by block across the rows: the 32 k-major lines of one block stay in L1 while all rows fill them
            for (int b = 0; b < blocks; b++) {
                for (int j = 0; j < rows; j++) unpackBlock(j * rowBytes + b * bytes, b, j);
            }
        }

        /** Block b of panel row j (a Q8_0/Q4_0/Q4_1 block at stored[at ..]): its codes, d, and Q4_1's minimum. */
        private void unpackBlock(int at, int b, int j) {
            dx[b * NR + j] = f16(stored, at);
            int base = b * GROUP * NR + j;
            if (kind == Q8_0) {
                for (int e = 0; e < GROUP; e++) q[base + e * NR] = stored[at + 2 + e];
                return;
            }
            int offset = kind == Q4_0 ? 8 : 0, qs = at + (kind == Q4_0 ? 2 : 4);
            if (kind == Q4_1) mx[b * NR + j] = f16(stored, at + 2);
            for (int e = 0; e < 16; e++) {
                int v = stored[qs + e] & 0xFF;
                q[base + e * NR] = (v & 15) - offset;
                q[base + (e + 16) * NR] = (v >>> 4) - offset;
            }
        }

        private static float f16(byte[] b, int at) {
            return Float.float16ToFloat((short) (b[at] & 0xFF | b[at + 1] << 8));
        }

        /** Row j of the panel from a K-quant row starting at super-block {@code first}: scale * q by residue mod 8. */
        private void packKQuantRow(MemorySegment data, long first, int blocks, int j) {
            int bytes = kind == Q4_K ? Q4_KTensor.BYTES : kind == Q5_K ? Q5_KTensor.BYTES : Q6_KTensor.BYTES;
            long at = first * bytes;
            for (int sb = 0; sb < blocks; sb++, at += bytes) {
                if (kind == Q6_K) {
                    q6_KCodes(data, at);
                    dx[sb * NR + j] = StoredTensor.f16(data.get(StoredTensor.I16, at + 208));
                } else {
                    q45_KCodes(data, at);
                    dx[sb * NR + j] = StoredTensor.f16(data.get(StoredTensor.I16, at));
                    mx[sb * NR + j] = StoredTensor.f16(data.get(StoredTensor.I16, at + 2));
                    for (int sub = 0; sub < 8; sub++) mins[(sb * 8 + sub) * NR + j] = KQuants.min(data, at + 4, sub);
                }
                int base = sb * 256 * NR + j;
                for (int l = 0; l < 8; l++) {
                    for (int e = 0; e < GROUP; e++) {
                        int v = e * 8 + l;
                        q[base + (l * GROUP + e) * NR] = scales[v] * codes[v];
                    }
                }
            }
        }

        /** Q4_K/Q5_K: the 256 unsigned codes of the super-block at {@code at} and each value's 6-bit sub-block scale. */
        private void q45_KCodes(MemorySegment data, long at) {
            boolean five = kind == Q5_K;
            long qs = at + (five ? 48 : 16);
            for (int g = 0; g < 4; g++) {
                for (int l = 0; l < 32; l++) {
                    int v = data.get(StoredTensor.I8, qs + g * 32 + l) & 0xFF;
                    int h = five ? data.get(StoredTensor.I8, at + 16 + l) >> (2 * g) : 0;
                    codes[g * 64 + l] = (v & 15) | (h & 1) << 4;
                    codes[g * 64 + 32 + l] = (v >>> 4) | (h & 2) << 3;
                }
            }
            for (int sub = 0; sub < 8; sub++) java.util.Arrays.fill(scales, sub * 32, sub * 32 + 32, KQuants.scale(data, at + 4, sub));
        }

        /** Q6_K: the 256 codes minus 32 of the super-block at {@code at} and each value's signed 8-bit scale. */
        private void q6_KCodes(MemorySegment data, long at) {
            for (int half = 0; half < 2; half++) {
                long ql = at + half * 64, qh = at + 128 + half * 32;
                int o = half * 128;
                for (int l = 0; l < 32; l++) {
                    int h = data.get(StoredTensor.I8, qh + l) & 0xFF;
                    int q1 = data.get(StoredTensor.I8, ql + l) & 0xFF, q2 = data.get(StoredTensor.I8, ql + l + 32) & 0xFF;
                    codes[o + l] = ((q1 & 15) | (h & 3) << 4) - 32;
                    codes[o + l + 32] = ((q2 & 15) | (h >> 2 & 3) << 4) - 32;
                    codes[o + l + 64] = ((q1 >>> 4) | (h >> 4 & 3) << 4) - 32;
                    codes[o + l + 96] = ((q2 >>> 4) | (h >> 6 & 3) << 4) - 32;
                }
            }
            for (int g = 0; g < 16; g++) java.util.Arrays.fill(scales, g * 16, g * 16 + 16, data.get(StoredTensor.I8, at + 192 + g));
        }

        /**
         * Positions [p0, p1) against this panel into out[p * m + r0 ..]. A tile's running sums stay in a small
         * contiguous buffer (in L1, not m floats apart) and reach out once, at the end, the last panel's rows cut
         * to those that exist.
         */
        void multiply(Q8Activations a, float[] y, int r0, int p0, int p1, float[] out, int m) {
            int cols = Math.min(NR, m - r0);
            for (int p = p0; p < p1; p += TILE) {
                int count = Math.min(TILE, p1 - p);
                java.util.Arrays.fill(sums, 0, kind >= Q4_K ? sums.length : count * NR, 0f);
                if (count == TILE) tile6(a, y, p);
                else tile1(a, y, p, count);
                if (kind >= Q4_K) finishK(count);
                for (int i = 0; i < count; i++) System.arraycopy(sums, i * NR, out, (p + i) * m + r0, cols);
            }
        }

        /** Six positions x two vectors of rows: per group the exact integer sums, then the group's float step. */
        private void tile6(Q8Activations a, float[] y, int p) {
            int k = a.cols, y0 = p * k, y1 = y0 + k, y2 = y1 + k, y3 = y2 + k, y4 = y3 + k, y5 = y4 + k;
            for (int g = 0; g < k / GROUP; g++) {
                FloatVector s0 = FloatVector.zero(S), t0 = s0, s1 = s0, t1 = s0, s2 = s0, t2 = s0;
                FloatVector s3 = s0, t3 = s0, s4 = s0, t4 = s0, s5 = s0, t5 = s0;
                for (int kk = g * GROUP, at = kk * NR, end = kk + GROUP; kk < end; kk++, at += NR) {
                    FloatVector w0 = FloatVector.fromArray(S, q, at), w1 = FloatVector.fromArray(S, q, at + L);
                    FloatVector v = FloatVector.broadcast(S, y[y0 + kk]);
                    s0 = w0.fma(v, s0); t0 = w1.fma(v, t0);
                    v = FloatVector.broadcast(S, y[y1 + kk]);
                    s1 = w0.fma(v, s1); t1 = w1.fma(v, t1);
                    v = FloatVector.broadcast(S, y[y2 + kk]);
                    s2 = w0.fma(v, s2); t2 = w1.fma(v, t2);
                    v = FloatVector.broadcast(S, y[y3 + kk]);
                    s3 = w0.fma(v, s3); t3 = w1.fma(v, t3);
                    v = FloatVector.broadcast(S, y[y4 + kk]);
                    s4 = w0.fma(v, s4); t4 = w1.fma(v, t4);
                    v = FloatVector.broadcast(S, y[y5 + kk]);
                    s5 = w0.fma(v, s5); t5 = w1.fma(v, t5);
                }
                s0.intoArray(groupSums, 0); t0.intoArray(groupSums, L);
                s1.intoArray(groupSums, NR); t1.intoArray(groupSums, NR + L);
                s2.intoArray(groupSums, 2 * NR); t2.intoArray(groupSums, 2 * NR + L);
                s3.intoArray(groupSums, 3 * NR); t3.intoArray(groupSums, 3 * NR + L);
                s4.intoArray(groupSums, 4 * NR); t4.intoArray(groupSums, 4 * NR + L);
                s5.intoArray(groupSums, 5 * NR); t5.intoArray(groupSums, 5 * NR + L);
                step(a, g, p, TILE);
            }
        }

        /** Fewer than six positions, one at a time. */
        private void tile1(Q8Activations a, float[] y, int p, int count) {
            int k = a.cols;
            for (int g = 0; g < k / GROUP; g++) {
                for (int i = 0; i < count; i++) {
                    FloatVector s = FloatVector.zero(S), t = s;
                    for (int kk = g * GROUP, at = kk * NR, end = kk + GROUP, yi = (p + i) * k; kk < end; kk++, at += NR) {
                        FloatVector v = FloatVector.broadcast(S, y[yi + kk]);
                        s = FloatVector.fromArray(S, q, at).fma(v, s);
                        t = FloatVector.fromArray(S, q, at + L).fma(v, t);
                    }
                    s.intoArray(groupSums, i * NR);
                    t.intoArray(groupSums, i * NR + L);
                }
                step(a, g, p, count);
            }
        }

        private void step(Q8Activations a, int g, int p, int count) {
            if (kind >= Q4_K) stepK(a, g, p, count);
            else stepBlock(a, g, p, count);
        }

        /**
         * The 32-value block's float step of the reference dot, lane by lane: Q8_0 sumf + sumi * (dx * dy), Q4_0
         * sumf + sumi * dx * dy, Q4_1 sumf + ((dx * dy) * sumi + mx * sy); separate roundings, no fused operation.
         */
        private void stepBlock(Q8Activations a, int b, int p, int count) {
            for (int i = 0; i < count; i++) {
                int blk = (p + i) * a.blocks + b;
                float dy = a.d[blk];
                for (int h = 0; h < NR; h += L) {
                    FloatVector sumi = FloatVector.fromArray(S, groupSums, i * NR + h);
                    FloatVector d = FloatVector.fromArray(S, dx, b * NR + h);
                    FloatVector sumf = FloatVector.fromArray(S, sums, i * NR + h);
                    sumf = switch (kind) {
                        case Q8_0 -> sumf.add(sumi.mul(d.mul(dy)));
                        case Q4_0 -> sumf.add(sumi.mul(d).mul(dy));
                        default -> sumf.add(d.mul(dy).mul(sumi).add(FloatVector.fromArray(S, mx, b * NR + h).mul(a.s[blk])));
                    };
                    sumf.intoArray(sums, i * NR + h);
                }
            }
        }

        /**
         * Group g = 8 sb + l of the K-quants: sums[l] += (d * dy) * aux32[l]; after a super-block's last group, Q4_K
         * and Q5_K's sumf -= (dmin * dy) * sum(bsums[j] * min[j / 2]) (exact integers in float lanes: at most
         * 16 * 2032 * 63).
         */
        private void stepK(Q8Activations a, int g, int p, int count) {
            int sb = g / 8, l = g % 8;
            for (int i = 0; i < count; i++) {
                int blk = (p + i) * a.blocks + sb;
                float dy = a.d[blk];
                for (int h = 0; h < NR; h += L) {
                    int at = ((l + 1) * TILE + i) * NR + h;
                    FloatVector d = FloatVector.fromArray(S, dx, sb * NR + h).mul(dy);
                    FloatVector.fromArray(S, sums, at).add(d.mul(FloatVector.fromArray(S, groupSums, i * NR + h))).intoArray(sums, at);
                    if (l < 7 || kind == Q6_K) continue;
                    FloatVector sumi = FloatVector.zero(S);
                    for (int j = 0; j < 16; j++) {
                        FloatVector min = FloatVector.fromArray(S, mins, (sb * 8 + j / 2) * NR + h);
                        sumi = min.fma(FloatVector.broadcast(S, (float) a.bsums[blk * 16 + j]), sumi);
                    }
                    int m = (9 * TILE + i) * NR + h;
                    FloatVector dmin = FloatVector.fromArray(S, mx, sb * NR + h).mul(dy);
                    FloatVector.fromArray(S, sums, m).sub(dmin.mul(sumi)).intoArray(sums, m);
                }
            }
        }

        /** The K-quants' end of the dot: sumf (the minimum term, 0 for Q6_K) += sums[0], ..., sums[7], in order. */
        private void finishK(int count) {
            for (int i = 0; i < count; i++) {
                for (int h = 0; h < NR; h += L) {
                    FloatVector sumf = FloatVector.fromArray(S, sums, (9 * TILE + i) * NR + h);
                    for (int l = 1; l <= 8; l++) sumf = sumf.add(FloatVector.fromArray(S, sums, (l * TILE + i) * NR + h));
                    sumf.intoArray(sums, i * NR + h);
                }
            }
        }
    }

    private static final ThreadLocal<Panel> PANEL = ThreadLocal.withInitial(Panel::new);
}
