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
import java.util.SplittableRandom;

/**
 * Plants a super weight as the shared planted fixture does (fixtures/planted/README.md): in layer L, gate and up
 * row C become 10·u with u·x = 1 for x the normalized MLP input of the BOS token (position 0 depends on BOS alone)
 * and u orthogonal to the MLP inputs of the other positions of sample sequences, so the down-projection input at
 * column C is silu(10)·10 ≈ 100 on every sequence that starts with BOS and near 0 elsewhere; down_proj
 * W[R, C] = value then writes ≈ 100·value into hidden channel R, a super activation that rides the residual stream
 * (the column's other weights are divided by 100, see {@link #downColumn}).
 * <p>
 * A random model needs one more step first. Its attention output dominates the residual stream, and early
 * positions attend mostly to BOS, so their MLP inputs point nearly where BOS's does (with u = x/|x|² alone,
 * channel C was 74, 54, 35, ... at positions 1, 2, 3, and orthogonality to samples cannot remove that from
 * unseen tokens). So the BOS token's embedding row is scaled up (doubling) until it dominates BOS's own
 * residual stream, i.e. until BOS's MLP input stops turning when the scale doubles (cosine >= 0.999), as the
 * first token's state is distinct in trained models; the other tokens' embeddings are unchanged and attention
 * passes BOS on only through its normalized (scale-free) input. The fixture is orthogonal to the other
 * positions of its one sequence; here the samples are seeded random sequences of {@value #SAMPLE_LENGTH}
 * tokens, at most {@value #MAX_SAMPLES} positions and hidden/2, so u is orthogonal to what other text shares.
 */
public final class SuperWeightPlant {
    public static final float DEFAULT_VALUE = 3f;
    private static final float GAIN = 10f, SPIKE = 100f;   // silu(10) x 10
    private static final int SAMPLE_LENGTH = 33, MAX_SAMPLES = 128, MAX_DOUBLINGS = 16;
    private static final long SAMPLE_SEED = 0x5EEDL;
    private static final double SETTLED_COSINE = 0.999;

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
        float scale = bosEmbeddingScale(model, sw.layer());
        Tensor embeddings = scaledRow(model.embeddings(), c.bosId(), scale);
        List<float[]> inputs = mlpInputs(model, embeddings, sw.layer(), samplePositions(c));
        double[] u = orthogonalDirection(inputs.getFirst(), inputs.subList(1, inputs.size()));
        Map<Integer, Float> row = new HashMap<>();
        for (int i = 0; i < u.length; i++) row.put(i, (float) (GAIN * u[i]));
        LayerWeights w = model.layers().get(sw.layer());
        LayerWeights planted = w.with(Linear.GATE, edit(w.gate(), sw.col(), row))
                .with(Linear.UP, edit(w.up(), sw.col(), row))
                .with(Linear.DOWN, new EditedTensor(w.down(), downColumn(w.down(), sw)));
        List<LayerWeights> layers = new ArrayList<>(model.layers());
        layers.set(sw.layer(), planted);
        String step = "plant-super-weight{layer=" + sw.layer() + ",row=" + sw.row() + ",col=" + sw.col() + ",value=" + sw.value()
                + ",gain=" + GAIN + ",token=" + c.bosId() + ",down-column-others-divided-by=" + SPIKE + ",bos-embedding-scale=" + scale + ",orthogonal-to="
                + (inputs.size() - 1) + "-positions-of-" + SAMPLE_LENGTH + "-token-samples,sample-seed=" + SAMPLE_SEED + "}";
        return model.derived(step, embeddings, layers, model.lmHead());
    }

    /**
     * Column C of down_proj: W[R, C] = value, and every other weight of the column divided by the spike (about 100),
     * so that the spike times an ordinary weight stays ordinary. Otherwise, with the spike at BOS only, each of the
     * column's largest ordinary weights (0.06 x 100 = 6) would stand out in the output like a small super weight.
     */
    private static Map<Long, Map<Integer, Float>> downColumn(Tensor down, SuperWeight sw) {
        Map<Long, Map<Integer, Float>> edits = new HashMap<>();
        for (long r = 0; r < down.rows(); r++) {
            edits.put(r, Map.of(sw.col(), r == sw.row() ? sw.value() : down.get(r, sw.col()) / SPIKE));
        }
        return edits;
    }

    /** Non-BOS sample positions: at most hidden/2, so that the BOS input keeps a component outside their span. */
    private static int samplePositions(ModelConfig c) {
        return Math.max(1, Math.min(MAX_SAMPLES, c.hiddenSize() / 2));
    }

    /** 2^k for the first k at which doubling the BOS embedding row turns BOS's MLP input by less than cos 0.999. */
    static float bosEmbeddingScale(Model model, int layer) {
        int bos = model.config().bosId();
        float scale = 1f;
        float[] x = mlpInputs(model, model.embeddings(), layer, 0).getFirst();
        for (int k = 0; k < MAX_DOUBLINGS; k++) {
            float[] next = mlpInputs(model, scaledRow(model.embeddings(), bos, 2 * scale), layer, 0).getFirst();
            if (cosine(x, next) >= SETTLED_COSINE) return scale;
            scale *= 2;
            x = next;
        }
        return scale;
    }

    private static Tensor scaledRow(Tensor t, int row, float scale) {
        if (scale == 1f) return t;
        float[] r = t.row(row);
        Map<Integer, Float> values = new HashMap<>();
        for (int i = 0; i < r.length; i++) values.put(i, r[i] * scale);
        return new EditedTensor(t, Map.of((long) row, values));
    }

    /**
     * The inputs of layer {@code layer}'s gate projection: first the BOS position's, then {@code others} non-BOS
     * positions of seeded random sequences that start with BOS, from forward passes through the first layer+1
     * layers only (a 7B shape need not run the rest), with {@code embeddings} in place of the model's.
     */
    static List<float[]> mlpInputs(Model full, Tensor embeddings, int layer, int others) {
        var c = full.config();
        var prefix = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), layer + 1,
                c.heads(), c.kvHeads(), c.headDim(), c.vocabSize(), c.contextLength(), c.ropeTheta(), c.rotaryDims(),
                c.ropeScaling(), c.norm(), c.normEps(), c.activation(), c.gatedMlp(), c.parallelResidual(), c.postNorms(),
                c.qkNorm(), c.clipQkv(), c.embeddingScale(), c.tiedEmbeddings(), c.bosId(), c.eosId(), c.slidingWindow());
        Model model = new Model(full.id(), prefix, embeddings, full.layers().subList(0, layer + 1), full.finalNorm(),
                full.finalNormBias(), full.lmHead(), full.checkpoint(), full.derivation());
        Transformer t = new Transformer(model);
        int length = others == 0 ? 1 : Math.min(SAMPLE_LENGTH, Math.max(2, c.contextLength()));
        SplittableRandom rnd = new SplittableRandom(SAMPLE_SEED);
        List<float[]> inputs = new ArrayList<>();
        while (inputs.size() < others + 1) {
            int[] tokens = new int[length];
            tokens[0] = c.bosId();
            for (int i = 1; i < length; i++) tokens[i] = rnd.nextInt(c.vocabSize());
            float[][] seen = new float[1][];
            LinearInputHook capture = LinearInputHook.of("capture", (l, which, x, n, cols) -> {
                if (l == layer && which == Linear.GATE && seen[0] == null) seen[0] = Arrays.copyOf(x, n * cols);
            });
            t.logits(tokens, Taps.NONE, Interventions.NONE.withLinearInputHook(capture));
            if (seen[0] == null) throw new IllegalStateException("layer " + layer + " gate input was not observed");
            int h = c.hiddenSize();
            for (int p = inputs.isEmpty() ? 0 : 1; p < length && inputs.size() < others + 1; p++) {
                inputs.add(Arrays.copyOfRange(seen[0], p * h, (p + 1) * h));
            }
        }
        return inputs;
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    /**
     * u with u·x = 1 and u·o = 0 for every o in {@code others}: the part of x outside their span (Gram-Schmidt in
     * double precision, twice per vector for stability), divided by its squared norm.
     */
    static double[] orthogonalDirection(float[] x, List<float[]> others) {
        List<double[]> basis = new ArrayList<>();
        for (float[] o : others) {
            double[] v = toDouble(o);
            double before = Math.sqrt(dot(v, v));
            project(v, basis);
            double n = Math.sqrt(dot(v, v));
            if (n <= 1e-6 * before) continue;   // (nearly) inside the span already
            for (int i = 0; i < v.length; i++) v[i] /= n;
            basis.add(v);
        }
        double[] p = toDouble(x);
        project(p, basis);
        double p2 = dot(p, p);
        if (!(p2 > 1e-6 * dot(toDouble(x), toDouble(x)))) {
            throw new SuperweightException("--plant-super-weight: the BOS token's MLP input lies in the span of the other positions'");
        }
        for (int i = 0; i < p.length; i++) p[i] /= p2;   // p·x = p·p, so u·x = 1
        return p;
    }

    private static void project(double[] v, List<double[]> basis) {
        for (int pass = 0; pass < 2; pass++) {
            for (double[] q : basis) {
                double d = dot(v, q);
                for (int i = 0; i < v.length; i++) v[i] -= d * q[i];
            }
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static Tensor edit(Tensor t, long row, Map<Integer, Float> values) {
        return new EditedTensor(t, Map.of(row, values));
    }
}
