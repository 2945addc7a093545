package superweight.quant;

import java.util.Arrays;

/**
 * The K-quant super-blocks of 256 values, following llama.cpp's reference quantizers (no importance matrix):
 * <ul>
 *   <li>Q4_K / Q5_K: eight sub-blocks of 32 with an asymmetric (scale, min) pair each, found by
 *   {@link #fitScaleMin} (a search over rounding grids, minimising the error weighted by |x| + rms); the pairs are
 *   quantized to 6 bits against the super-block's f16 {@code d}/{@code dmin}, then every value is re-coded with the
 *   rounded scales. Layout: d, dmin, 12 bytes of packed 6-bit scales/mins, (Q5_K: 32 bytes of high bits), 128 bytes
 *   of low nibbles (value j of each 64 in the low nibble, j+32 in the high one).</li>
 *   <li>Q6_K: sixteen sub-blocks of 16 with a symmetric scale each, found by {@link #fitSymmetric} (search around
 *   -32/max weighted by x²), int8 scales against one f16 d = max scale / -128. Layout: 128 bytes of low nibbles,
 *   64 bytes of 2-bit high parts, 16 int8 scales, d.</li>
 * </ul>
 * Rounding is llama.cpp's {@code nearest_int} (half to even, through the 1.5·2^23 trick).
 */
final class KQuantizer {
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantizer() {
    }

    static void q4_KBlock(float[] x, int s, byte[] out, int o) {
        int[] codes = new int[256];
        scaledSubBlocks(x, s, 15, -1f, 20, codes, out, o);
        for (int j = 0; j < 256; j += 64) {
            for (int l = 0; l < 32; l++) out[o + 16 + j / 2 + l] = (byte) (codes[j + l] | (codes[j + l + 32] << 4));
        }
    }

    static void q5_KBlock(float[] x, int s, byte[] out, int o) {
        int[] codes = new int[256];
        scaledSubBlocks(x, s, 31, -0.5f, 15, codes, out, o);
        int qh = o + 16, ql = o + 48;
        Arrays.fill(out, qh, qh + 32, (byte) 0);
        int m1 = 1, m2 = 2;
        for (int n = 0; n < 256; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = codes[n + j], l2 = codes[n + j + 32];
                if (l1 > 15) {
                    l1 -= 16;
                    out[qh + j] |= (byte) m1;
                }
                if (l2 > 15) {
                    l2 -= 16;
                    out[qh + j] |= (byte) m2;
                }
                out[ql + n / 2 + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
        }
    }

    /**
     * The shared part of Q4_K and Q5_K: fits (scale, min) per sub-block of 32, writes d, dmin and the 12 packed
     * scale bytes at out[o..o+16), and the final codes (0..nmax) of all 256 values into {@code codes}.
     */
    private static void scaledSubBlocks(float[] x, int s, int nmax, float rmin, int nstep, int[] codes, byte[] out, int o) {
        float[] scales = new float[8], mins = new float[8], weights = new float[32];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int b = s + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[b + l] * x[b + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[b + l]);
            float[] fit = fitScaleMin(nmax, x, b, weights, rmin, 0.1f, nstep, codes, 32 * j);
            scales[j] = fit[0];
            mins[j] = fit[1];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] packed = new byte[12];
        int[] ls = new int[8], lm = new int[8];
        for (int j = 0; j < 8; j++) {
            ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = (byte) ls[j];
                packed[j + 4] = (byte) lm[j];
            } else {
                packed[j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                packed[j - 4] |= (byte) ((ls[j] >> 4) << 6);
                packed[j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
        GgmlQuantizer.putF16(out, o, maxScale / 63f);
        GgmlQuantizer.putF16(out, o + 2, maxMin / 63f);
        System.arraycopy(packed, 0, out, o + 4, 12);
        float d0 = GgmlQuantizer.f16(out, o), dmin0 = GgmlQuantizer.f16(out, o + 2);
        for (int j = 0; j < 8; j++) {
            float d = d0 * ls[j];
            if (d == 0) continue; // as llama.cpp: such a sub-block keeps the codes of its fit
            float dm = dmin0 * lm[j];
            for (int i = 0; i < 32; i++) {
                codes[32 * j + i] = Math.clamp(nearestInt((x[s + 32 * j + i] + dm) / d), 0, nmax);
            }
        }
    }

    /**
     * llama.cpp's make_qkx2_quants for n = 32 without MAD: starting from min/max, tries nstep+1 grids
     * iscale = (rmin + rdelta·is + nmax)/(max - min), solves the weighted least-squares (scale, min) for each
     * grid's codes, and keeps the best. Returns {scale, -min} (min is never positive); the codes go to codes[co..co+32).
     */
    static float[] fitScaleMin(int nmax, float[] x, int b, float[] w, float rmin, float rdelta, int nstep, int[] codes, int co) {
        int n = 32;
        float min = x[b], max = x[b];
        float sumW = w[0], sumX = sumW * x[b];
        for (int i = 1; i < n; i++) {
            if (x[b + i] < min) min = x[b + i];
            if (x[b + i] > max) max = x[b + i];
            sumW += w[i];
            sumX += w[i] * x[b + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            Arrays.fill(codes, co, co + n, 0);
            return new float[]{0f, -min};
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestErr = 0;
        for (int i = 0; i < n; i++) {
            codes[co + i] = Math.clamp(nearestInt(iscale * (x[b + i] - min)), 0, nmax);
            float diff = scale * codes[co + i] + min - x[b + i];
            bestErr += w[i] * (diff * diff);
        }
        int[] aux = new int[n];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.clamp(nearestInt(iscale * (x[b + i] - min)), 0, nmax);
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[b + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float err = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[b + i];
                    err += w[i] * (diff * diff);
                }
                if (err < bestErr) {
                    System.arraycopy(aux, 0, codes, co, n);
                    bestErr = err;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        return new float[]{scale, -min};
    }

    static void q6_KBlock(float[] x, int s, byte[] out, int o) {
        int[] codes = new int[256];
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            scales[ib] = fitSymmetric(32, x, s + 16 * ib, codes, 16 * ib);
            float abs = Math.abs(scales[ib]);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scales[ib];
            }
        }
        Arrays.fill(out, o, o + 210, (byte) 0);
        if (maxAbsScale < GROUP_MAX_EPS) return; // all zero: d = 0 and zero codes
        float iscale = -128f / maxScale;
        GgmlQuantizer.putF16(out, o + 208, 1 / iscale);
        float d0 = GgmlQuantizer.f16(out, o + 208);
        for (int ib = 0; ib < 16; ib++) {
            byte sc = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
            out[o + 192 + ib] = sc;
            float d = d0 * sc;
            if (d == 0) continue;
            for (int i = 0; i < 16; i++) codes[16 * ib + i] = Math.clamp(nearestInt(x[s + 16 * ib + i] / d), -32, 31) + 32;
        }
        for (int j = 0; j < 256; j += 128) {
            int ql = o + j / 2, qh = o + 128 + j / 4;
            for (int l = 0; l < 32; l++) {
                int q1 = codes[j + l], q2 = codes[j + l + 32], q3 = codes[j + l + 64], q4 = codes[j + l + 96];
                out[ql + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                out[ql + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                out[qh + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }

    /**
     * llama.cpp's make_qx_quants for n = 16 with weights x² (rmse_type 1): codes l in [-nmax, nmax) at iscale =
     * -nmax/max (max = the value of largest magnitude), then 18 nearby grids, keeping the least-squares scale of the
     * grid that explains most of the weighted signal. Codes + nmax go into codes[co..co+16); returns the scale.
     */
    static float fitSymmetric(int nmax, float[] x, int b, int[] codes, int co) {
        int n = 16;
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[b + i]);
            if (ax > amax) {
                amax = ax;
                max = x[b + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            Arrays.fill(codes, co, co + n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.clamp(nearestInt(iscale * x[b + i]), -nmax, nmax - 1);
            codes[co + i] = l + nmax;
            float w = x[b + i] * x[b + i];
            sumLX += w * x[b + i] * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.clamp(nearestInt(iscale * x[b + i]), -nmax, nmax - 1);
                float w = x[b + i] * x[b + i];
                sumLX += w * x[b + i] * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) codes[co + i] = Math.clamp(nearestInt(iscale * x[b + i]), -nmax, nmax - 1) + nmax;
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /** llama.cpp's nearest_int: adding 1.5·2^23 leaves round-half-even(v) in the low mantissa bits (|v| < 2^22). */
    static int nearestInt(float v) {
        float shifted = v + 12582912f;
        return (Float.floatToRawIntBits(shifted) & 0x007FFFFF) - 0x00400000;
    }
}
