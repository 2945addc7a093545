package superweight.analysis;

import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.F32Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Small llama models built in code, with super weights planted the way real ones arise: residual channel
 * {@code marker} carries a large value only in the BOS embedding, so after RMSNorm it dominates position 0; a
 * gate/up row reading that channel turns it into a huge intermediate activation X[0, k] (about 128), and
 * W_down[j, k] = 4 turns that into a super activation of about 500 at hidden channel j. Everything else is small
 * (|w| <= 0.05), so no other down-projection value comes near the detection threshold of 50.
 *
 * <p>A later planted weight that reads the same marker channel is masked while an earlier super activation
 * rides the residual stream (RMSNorm then shrinks the marker about 90x), so only the second detection pass,
 * with the first super weight zeroed, reveals it.
 *
 * <p>A {@link Decoy} is the opposite, the late-layer spike of the paper's issue #2: a token whose embedding carries
 * a second marker channel drives {@code columns} intermediate channels of one layer to about 125 each, and
 * {@code columns} moderate down-projection weights (0.25) of one row add them up into an output spike of about
 * 16 * 125 * 0.25 = 500 at that token. Both sides spike, but no single weight makes more than 1/16 of the output.
 */
final class TinyModels {
    static final int HIDDEN = 32, INTERMEDIATE = 64, VOCAB = 40, BOS = 1;
    static final float GATE = 2f, SUPER_WEIGHT = 4f;

    record Planted(int layer, int row, int col) {
    }

    /** An output spike in {@code row} of {@code layer} at every occurrence of {@code token}, built by {@code columns} weights together. */
    record Decoy(int layer, int row, int token, int marker, int firstColumn, int columns) {
        static final float WEIGHT = 0.25f;
    }

    private TinyModels() {
    }

    static ModelConfig config(int layers) {
        return new ModelConfig("llama", HIDDEN, INTERMEDIATE, layers, 4, 2, 8, VOCAB, 64, 10000.0, 8, null,
                ModelConfig.Norm.RMS, 1e-5, ModelConfig.Activation.SILU, true, false, false, false, Float.NaN, 1f,
                false, BOS, 2);
    }

    /** A model whose planted super weights all read the intermediate activation driven by residual channel {@code marker}. */
    static Model build(long seed, int layers, int marker, List<Planted> planted) {
        return build(seed, layers, marker, planted, SUPER_WEIGHT, null);
    }

    /** As above, with the planted weights set to {@code superWeight} and an optional decoy spike. */
    static Model build(long seed, int layers, int marker, List<Planted> planted, float superWeight, Decoy decoy) {
        Random rnd = new Random(seed);
        float[] embed = small(rnd, VOCAB * HIDDEN, 0.1f);
        for (int t = 0; t < VOCAB; t++) embed[t * HIDDEN + marker] = 0f;
        embed[BOS * HIDDEN + marker] = 5f;
        if (decoy != null) {
            for (int t = 0; t < VOCAB; t++) embed[t * HIDDEN + decoy.marker()] = 0f;
            embed[decoy.token() * HIDDEN + decoy.marker()] = 5f;
        }
        List<LayerWeights> ls = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            float[] gate = small(rnd, INTERMEDIATE * HIDDEN, 0.05f), up = small(rnd, INTERMEDIATE * HIDDEN, 0.05f);
            float[] down = small(rnd, HIDDEN * INTERMEDIATE, 0.05f);
            for (Planted p : planted) {
                if (p.layer() != l) continue;
                Arrays.fill(gate, p.col() * HIDDEN, (p.col() + 1) * HIDDEN, 0f);
                Arrays.fill(up, p.col() * HIDDEN, (p.col() + 1) * HIDDEN, 0f);
                gate[p.col() * HIDDEN + marker] = GATE;
                up[p.col() * HIDDEN + marker] = GATE;
                // the spike feeds only the super weight's row, so zeroing it leaves nothing large behind
                for (int r = 0; r < HIDDEN; r++) down[r * INTERMEDIATE + p.col()] = 0f;
                down[p.row() * INTERMEDIATE + p.col()] = superWeight;
            }
            if (decoy != null && decoy.layer() == l) {
                for (int k = decoy.firstColumn(); k < decoy.firstColumn() + decoy.columns(); k++) {
                    Arrays.fill(gate, k * HIDDEN, (k + 1) * HIDDEN, 0f);
                    Arrays.fill(up, k * HIDDEN, (k + 1) * HIDDEN, 0f);
                    gate[k * HIDDEN + decoy.marker()] = GATE;
                    up[k * HIDDEN + decoy.marker()] = GATE;
                    for (int r = 0; r < HIDDEN; r++) down[r * INTERMEDIATE + k] = 0f;
                    down[decoy.row() * INTERMEDIATE + k] = Decoy.WEIGHT;
                }
            }
            ls.add(new LayerWeights(ones(), null,
                    t("q", l, 32, HIDDEN, small(rnd, 32 * HIDDEN, 0.05f)), t("k", l, 16, HIDDEN, small(rnd, 16 * HIDDEN, 0.05f)),
                    t("v", l, 16, HIDDEN, small(rnd, 16 * HIDDEN, 0.05f)), t("o", l, HIDDEN, 32, small(rnd, HIDDEN * 32, 0.05f)),
                    null, null, null, null, null, null, null, ones(), null,
                    t("gate", l, INTERMEDIATE, HIDDEN, gate), t("up", l, INTERMEDIATE, HIDDEN, up),
                    t("down", l, HIDDEN, INTERMEDIATE, down), null, null, null));
        }
        return new Model("tiny-" + seed, config(layers), F32Tensor.of("embed", VOCAB, HIDDEN, embed), ls, ones(), null,
                F32Tensor.of("head", VOCAB, HIDDEN, small(rnd, VOCAB * HIDDEN, 0.1f)), null);
    }

    /** BOS followed by {@code n - 1} ordinary tokens. */
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

    private static float[] small(Random rnd, int n, float limit) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (rnd.nextFloat() * 2 - 1) * limit;
        return v;
    }

    private static float[] ones() {
        float[] v = new float[HIDDEN];
        Arrays.fill(v, 1f);
        return v;
    }
}
