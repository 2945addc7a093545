package superweight.export;

import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.format.InMemoryCheckpoint;
import superweight.model.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A random-weight llama of any shape whose weights are generated on demand: row r of a tensor is a pure function
 * of (seed, tensor name, r), Gaussian with standard deviation 0.02 (norms are ones), so a 7B shape costs no
 * memory until rows are read, and a written file is reproducible row for row.
 */
public final class SyntheticModel {
    public record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int context) {
        public Shape {
            if (hidden < 1 || intermediate < 1 || layers < 1 || heads < 1 || kvHeads < 1 || vocab < 1 || context < 1) {
                throw new SuperweightException("synth: sizes must be positive");
            }
            if (hidden % heads != 0 || heads % kvHeads != 0) {
                throw new SuperweightException("synth: --hidden must divide into --heads, and --heads into --kv-heads");
            }
            if ((hidden / heads) % 2 != 0) throw new SuperweightException("synth: the head size hidden/heads must be even (rotary pairs)");
        }
    }

    private SyntheticModel() {
    }

    public static Model llama(Shape s, long seed) {
        int headDim = s.hidden() / s.heads();
        ModelConfig cfg = new ModelConfig("llama", s.hidden(), s.intermediate(), s.layers(), s.heads(), s.kvHeads(), headDim,
                s.vocab(), s.context(), 10000.0, headDim, null, ModelConfig.Norm.RMS, 1e-5, ModelConfig.Activation.SILU,
                true, false, false, false, Float.NaN, 1f, false, 1, 2);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Tensor embed = gaussian(tensors, seed, "model.embed_tokens.weight", s.vocab(), s.hidden());
        float[] ones = new float[s.hidden()];
        Arrays.fill(ones, 1f);
        int kv = s.kvHeads() * headDim;
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            layers.add(new LayerWeights(ones, null,
                    gaussian(tensors, seed, p + "self_attn.q_proj.weight", s.hidden(), s.hidden()),
                    gaussian(tensors, seed, p + "self_attn.k_proj.weight", kv, s.hidden()),
                    gaussian(tensors, seed, p + "self_attn.v_proj.weight", kv, s.hidden()),
                    gaussian(tensors, seed, p + "self_attn.o_proj.weight", s.hidden(), s.hidden()),
                    null, null, null, null, null, null, null, ones, null,
                    gaussian(tensors, seed, p + "mlp.gate_proj.weight", s.intermediate(), s.hidden()),
                    gaussian(tensors, seed, p + "mlp.up_proj.weight", s.intermediate(), s.hidden()),
                    gaussian(tensors, seed, p + "mlp.down_proj.weight", s.hidden(), s.intermediate()),
                    null, null, null));
        }
        Tensor head = gaussian(tensors, seed, "lm_head.weight", s.vocab(), s.hidden());
        String id = "synthetic-llama-h" + s.hidden() + "-l" + s.layers();
        return new Model(id, cfg, embed, layers, ones, null, head, new InMemoryCheckpoint(Path.of(id), tensors));
    }

    private static Tensor gaussian(Map<String, Tensor> all, long seed, String name, long rows, int cols) {
        Tensor t = new GaussianTensor(name, rows, cols, seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
        all.put(name, t);
        return t;
    }

    /** Row r: 0.02 · N(0,1) draws from a generator seeded by (tensor seed, r). */
    private static final class GaussianTensor extends Tensor {
        private final long seed;

        GaussianTensor(String name, long rows, int cols, long seed) {
            super(name, rows, cols);
            this.seed = seed;
        }

        @Override
        public String dtype() {
            return "F32";
        }

        @Override
        public float get(long row, int col) {
            return row(row)[col];
        }

        @Override
        public void readRow(long row, float[] dst, int off) {
            SplittableRandom rnd = new SplittableRandom(seed + row * 0xD1B54A32D192ED03L);
            for (int i = 0; i < cols; i++) dst[off + i] = (float) (rnd.nextGaussian() * 0.02);
        }
    }

}
