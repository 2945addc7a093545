package superweight.analysis;

import superweight.model.Model;
import superweight.model.arch.Linear;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.format.InMemoryCheckpoint;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A SYNTHETIC llama-style model built in memory, with one super weight planted the way real ones arise, so the
 * whole pipeline runs on a fresh machine with no download. Residual channel {@link #MARKER} carries a large value
 * only in the BOS embedding; in layer {@link #LAYER} a gate/up row reading it makes a huge intermediate activation
 * (about 128) at channel {@link #COL} on the BOS position, and W_down[{@link #ROW}, {@link #COL}] = 4 turns it into a
 * super activation of about 500. Every other weight is small and random, so the model's predictions are noise:
 * its quality does not depend on the planted weight (it shows the pipeline, not the paper's effect). Its vocabulary
 * is {@link DemoTokenizer} (bytes plus whole-word stopwords), so text runs through it too.
 */
public final class DemoModel {
    public static final int HIDDEN = 64, INTERMEDIATE = 128, LAYERS = 4, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16,
            VOCAB = DemoTokenizer.SIZE, CONTEXT = 512, BOS = DemoTokenizer.BOS, EOS = DemoTokenizer.EOS;
    public static final int LAYER = 1, ROW = 27, COL = 93, MARKER = 5;
    public static final float SUPER_WEIGHT = 4f, GATE = 2f, SMALL = 0.05f;

    private DemoModel() {
    }

    /** The model for a seed (the random small weights; the planted coordinates do not depend on it). */
    public static Model build(long seed) {
        Random rnd = new Random(seed);
        float[] embed = small(rnd, VOCAB * HIDDEN, 0.1f);
        for (int t = 0; t < VOCAB; t++) embed[t * HIDDEN + MARKER] = 0f;
        embed[BOS * HIDDEN + MARKER] = 5f;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < LAYERS; l++) layers.add(layer(rnd, l));
        F32Tensor embeddings = F32Tensor.of("embed", VOCAB, HIDDEN, embed), head = F32Tensor.of("head", VOCAB, HIDDEN, small(rnd, VOCAB * HIDDEN, 0.1f));
        String id = "superweight-demo-seed" + seed;
        ModelConfig config = new ModelConfig("llama", HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS, HEAD_DIM, VOCAB, CONTEXT,
                10000.0, HEAD_DIM, null, ModelConfig.Norm.RMS, 1e-5, ModelConfig.Activation.SILU, true, false, false, false,
                Float.NaN, 1f, false, BOS, EOS);
        return new Model(id, config, embeddings, layers, ones(), null, head, new InMemoryCheckpoint(Path.of(id), tensors(embeddings, layers, head)));
    }

    /** The demo model's vocabulary. */
    public static DemoTokenizer tokenizer() {
        return new DemoTokenizer();
    }

    private static Map<String, Tensor> tensors(Tensor embeddings, List<LayerWeights> layers, Tensor head) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(embeddings.name(), embeddings);
        for (LayerWeights w : layers) {
            for (Linear l : Linear.values()) if (w.linear(l) != null) m.put(w.linear(l).name(), w.linear(l));
        }
        m.put(head.name(), head);
        return m;
    }


    /** The planted super weight's coordinates. */
    public static SuperWeight planted() {
        return new SuperWeight(LAYER, ROW, COL, SUPER_WEIGHT);
    }

    /** {@code count} token-id sequences of {@code length}: BOS, then uniformly random ordinary ids (3 .. VOCAB-1). */
    public static List<int[]> prompts(long seed, int count, int length) {
        Random rnd = new Random(seed);
        List<int[]> r = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            int[] t = new int[length];
            t[0] = BOS;
            for (int i = 1; i < length; i++) t[i] = 3 + rnd.nextInt(VOCAB - 3);
            r.add(t);
        }
        return r;
    }

    private static LayerWeights layer(Random rnd, int l) {
        int q = HEADS * HEAD_DIM, kv = KV_HEADS * HEAD_DIM;
        float[] gate = small(rnd, INTERMEDIATE * HIDDEN, SMALL), up = small(rnd, INTERMEDIATE * HIDDEN, SMALL);
        float[] down = small(rnd, HIDDEN * INTERMEDIATE, SMALL);
        if (l == LAYER) {
            Arrays.fill(gate, COL * HIDDEN, (COL + 1) * HIDDEN, 0f);
            Arrays.fill(up, COL * HIDDEN, (COL + 1) * HIDDEN, 0f);
            gate[COL * HIDDEN + MARKER] = GATE;
            up[COL * HIDDEN + MARKER] = GATE;
            // the spike feeds only the super weight's row, so zeroing it leaves nothing large behind
            for (int r = 0; r < HIDDEN; r++) down[r * INTERMEDIATE + COL] = 0f;
            down[ROW * INTERMEDIATE + COL] = SUPER_WEIGHT;
        }
        return new LayerWeights(ones(), null,
                t("q", l, q, HIDDEN, small(rnd, q * HIDDEN, SMALL)), t("k", l, kv, HIDDEN, small(rnd, kv * HIDDEN, SMALL)),
                t("v", l, kv, HIDDEN, small(rnd, kv * HIDDEN, SMALL)), t("o", l, HIDDEN, q, small(rnd, HIDDEN * q, SMALL)),
                null, null, null, null, null, null, null, ones(), null,
                t("gate", l, INTERMEDIATE, HIDDEN, gate), t("up", l, INTERMEDIATE, HIDDEN, up),
                t("down", l, HIDDEN, INTERMEDIATE, down), null, null, null);
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
