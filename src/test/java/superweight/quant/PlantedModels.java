package superweight.quant;

import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.F32Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A llama built in code whose tensors are larger than the paper's smaller block sizes (down is 256 x 512 = 131072
 * elements: 8 blocks of 16384, 2 of 65536), with Gaussian weights (std 0.02, like a trained model's bulk) and one
 * super weight planted as the shared planted fixture's README describes: residual channels MARKER .. MARKER+15 are
 * large (2) only in the BOS embedding and the MLP norm's gain is 4 there (norms are never quantized), so gate/up row
 * COL, reading them with ordinary weights around GATE = 0.04 (2 std), see about 16 x 16 x 0.04 = 10 at BOS -> silu(10) * 10
 * ~ 100 (the 16 weights' rounding errors average out; other rows' ordinary weights on the markers give at most about
 * 10); W_down[ROW, COL] = 2 turns that into a super activation of about 200 at hidden channel ROW, position 0. Only the
 * super weight is an outlier.
 */
final class PlantedModels {
    static final int HIDDEN = 256, INTERMEDIATE = 512, VOCAB = 64, BOS = 1, MARKER = 17, MARKERS = 16;
    static final int LAYER = 1, ROW = 45, COL = 300;
    static final float GATE = 0.04f, SUPER_WEIGHT = 2f, STD = 0.02f;

    private PlantedModels() {
    }

    static Model build(long seed) {
        Random rnd = new Random(seed);
        ModelConfig cfg = new ModelConfig("llama", HIDDEN, INTERMEDIATE, 2, 4, 2, 64, VOCAB, 64, 10000.0, 64, null,
                ModelConfig.Norm.RMS, 1e-5, ModelConfig.Activation.SILU, true, false, false, false, Float.NaN, 1f,
                false, BOS, 2);
        float[] embed = gaussian(rnd, VOCAB * HIDDEN, 0.1f);
        for (int m = MARKER; m < MARKER + MARKERS; m++) {
            for (int t = 0; t < VOCAB; t++) embed[t * HIDDEN + m] = 0f;
            embed[BOS * HIDDEN + m] = 2f;
        }
        List<LayerWeights> ls = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            float[] gate = gaussian(rnd, INTERMEDIATE * HIDDEN, STD), up = gaussian(rnd, INTERMEDIATE * HIDDEN, STD);
            float[] down = gaussian(rnd, HIDDEN * INTERMEDIATE, STD);
            // no exact zeros anywhere (asymmetric grids have no zero level: a column of zeros would move as one)
            if (l == LAYER) {
                for (int i = 0; i < MARKERS; i++) {   // spread over [0.03, 0.05] so that their rounding errors do not all agree
                    gate[COL * HIDDEN + MARKER + i] = GATE + 0.02f * (i / (MARKERS - 1f) - 0.5f);
                    up[COL * HIDDEN + MARKER + i] = GATE - 0.02f * (i / (MARKERS - 1f) - 0.5f);
                }
                down[ROW * INTERMEDIATE + COL] = SUPER_WEIGHT;
            }
            int q = 4 * 64, kv = 2 * 64;
            ls.add(new LayerWeights(ones(), null,
                    t("q", l, q, HIDDEN, gaussian(rnd, q * HIDDEN, STD)), t("k", l, kv, HIDDEN, gaussian(rnd, kv * HIDDEN, STD)),
                    t("v", l, kv, HIDDEN, gaussian(rnd, kv * HIDDEN, STD)), t("o", l, HIDDEN, q, gaussian(rnd, HIDDEN * q, STD)),
                    null, null, null, null, null, null, null, ffnNorm(), null,
                    t("gate", l, INTERMEDIATE, HIDDEN, gate), t("up", l, INTERMEDIATE, HIDDEN, up),
                    t("down", l, HIDDEN, INTERMEDIATE, down), null, null, null));
        }
        return new Model("planted-" + seed, cfg, F32Tensor.of("embed", VOCAB, HIDDEN, embed), ls, ones(), null,
                F32Tensor.of("head", VOCAB, HIDDEN, gaussian(rnd, VOCAB * HIDDEN, 0.1f)), null);
    }

    static int[] prompt(long seed, int n) {
        Random rnd = new Random(seed);
        int[] t = new int[n];
        t[0] = BOS;
        for (int i = 1; i < n; i++) t[i] = 3 + rnd.nextInt(VOCAB - 3);
        return t;
    }

    private static F32Tensor t(String name, int layer, int rows, int cols, float[] v) {
        return F32Tensor.of("layers." + layer + "." + name, rows, cols, v);
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian() * std;
        return v;
    }

    private static float[] ffnNorm() {
        float[] v = ones();
        Arrays.fill(v, MARKER, MARKER + MARKERS, 4f);
        return v;
    }

    private static float[] ones() {
        float[] v = new float[HIDDEN];
        Arrays.fill(v, 1f);
        return v;
    }
}
