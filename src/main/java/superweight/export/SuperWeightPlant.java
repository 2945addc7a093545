package superweight.export;

import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.arch.Linear;
import superweight.model.tensor.EditedTensor;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plants a super weight as the shared planted fixture does (fixtures/planted/README.md): in layer L, gate and up
 * row C become 10·u with u = x/|x|², x the normalized MLP input of the BOS token (position 0 depends on BOS
 * alone), so the down-projection input at column C is silu(10)·10 ≈ 100 on every sequence that starts with BOS;
 * down_proj W[R, C] = value then writes ≈ 100·value into hidden channel R, a super activation that rides the
 * residual stream. Other positions see u·x_p = cos(x_p, x)·|x_p|/|x| instead of 1 (not orthogonal as in the
 * hand-built fixture), which stays well below the spike in random models.
 */
public final class SuperWeightPlant {
    public static final float DEFAULT_VALUE = 3f;
    private static final float GAIN = 10f;

    private SuperWeightPlant() {
    }

    /** The model with the super weight planted (value {@link #DEFAULT_VALUE} when it has none); gated MLPs only. */
    public static Model plant(Model model, SuperWeight coordinates) {
        SuperWeight sw = Float.isNaN(coordinates.value())
                ? new SuperWeight(coordinates.layer(), coordinates.row(), coordinates.col(), DEFAULT_VALUE) : coordinates;
        if (!Float.isFinite(sw.value())) throw new SuperweightException("--plant-super-weight: the value " + sw.value() + " is not finite");
        var c = model.config();
        if (sw.layer() < 0 || sw.layer() >= c.layers() || sw.row() < 0 || sw.row() >= c.hiddenSize()
                || sw.col() < 0 || sw.col() >= c.intermediateSize()) {
            throw new SuperweightException("--plant-super-weight: " + sw.layer() + ":" + sw.row() + ":" + sw.col()
                    + " is outside the model (layers " + c.layers() + ", hidden " + c.hiddenSize() + ", intermediate " + c.intermediateSize() + ")");
        }
        if (!c.gatedMlp()) throw new SuperweightException("--plant-super-weight: needs a gated MLP (gate/up projections)");
        float[] x = bosMlpInput(model, sw.layer());
        double norm2 = 0;
        for (float v : x) norm2 += (double) v * v;
        Map<Integer, Float> row = new HashMap<>();
        for (int i = 0; i < x.length; i++) row.put(i, (float) (GAIN * x[i] / norm2));
        LayerWeights w = model.layers().get(sw.layer());
        LayerWeights planted = w.with(Linear.GATE, edit(w.gate(), sw.col(), row))
                .with(Linear.UP, edit(w.up(), sw.col(), row))
                .with(Linear.DOWN, edit(w.down(), sw.row(), Map.of(sw.col(), sw.value())));
        List<LayerWeights> layers = new ArrayList<>(model.layers());
        layers.set(sw.layer(), planted);
        String step = "plant-super-weight{layer=" + sw.layer() + ",row=" + sw.row() + ",col=" + sw.col() + ",value=" + sw.value()
                + ",gain=" + GAIN + ",token=" + c.bosId() + "}";
        return model.derived(step, model.embeddings(), layers, model.lmHead());
    }

    /**
     * The input of layer {@code layer}'s gate projection for the single token BOS, from a forward pass through
     * the first layer+1 layers only (a 7B shape need not run the rest).
     */
    static float[] bosMlpInput(Model full, int layer) {
        var c = full.config();
        var prefix = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), layer + 1,
                c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(), c.contextLength(), c.ropeTheta(), c.rotaryDims(),
                c.ropeScaling(), c.norm(), c.normEps(), c.activation(), c.gatedMlp(), c.parallelResidual(), c.postNorms(),
                c.qkNorm(), c.clipQkv(), c.embeddingScale(), c.tiedEmbeddings(), c.bosId(), c.eosId(), c.slidingWindow());
        Model model = new Model(full.id(), prefix, full.embeddings(), full.layers().subList(0, layer + 1), full.finalNorm(),
                full.finalNormBias(), full.lmHead(), full.checkpoint(), full.derivation());
        float[][] seen = new float[1][];
        LinearInputHook capture = LinearInputHook.of("capture", (l, which, x, n, cols) -> {
            if (l == layer && which == Linear.GATE && seen[0] == null) seen[0] = Arrays.copyOf(x, cols);
        });
        new Transformer(model).logits(new int[]{model.config().bosId()}, Taps.NONE, Interventions.NONE.withLinearInputHook(capture));
        if (seen[0] == null) throw new IllegalStateException("layer " + layer + " gate input was not observed");
        return seen[0];
    }

    private static Tensor edit(Tensor t, long row, Map<Integer, Float> values) {
        return new EditedTensor(t, Map.of(row, values));
    }
}
