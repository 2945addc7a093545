package superweight.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.arch.Architecture;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A canonical {@link Model} under its family's Hugging Face tensor names (fused qkv_proj/gate_up_proj for
 * Phi-3, per-head interleaved query_key_value for GPT-NeoX, norms stored as w for Gemma's (1 + w)), and the
 * config.json transformers needs to build it.
 */
final class HfExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Entry(String name, RowSource rows, boolean matrix) {
    }

    private HfExport() {
    }

    static List<Entry> entries(Model m) {
        ModelConfig c = m.config();
        Architecture arch = Architecture.forModelType(c.architecture(), m.id());
        float off = arch.hfNormOffset();
        boolean neox = c.architecture().equals("gpt_neox");
        List<Entry> out = new ArrayList<>();
        out.add(matrix(arch.hfEmbeddings(), m.embeddings()));
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = m.layers().get(l);
            if (neox) neoxLayer(out, c, w, l);
            else layer(out, c, w, l, off);
        }
        if (arch.hfFinalNorm() != null && m.finalNorm() != null) vector(out, arch.hfFinalNorm(), minus(m.finalNorm(), off));
        if (arch.hfFinalNormBias() != null) vector(out, arch.hfFinalNormBias(), m.finalNormBias());
        if (!c.tiedEmbeddings()) out.add(matrix(arch.hfLmHead(), m.lmHead()));
        return out;
    }

    private static void layer(List<Entry> out, ModelConfig c, LayerWeights w, int l, float off) {
        String p = "model.layers." + l + ".", a = p + "self_attn.", f = p + "mlp.";
        if (!c.postNorms()) vector(out, p + "input_layernorm.weight", minus(w.attnNorm(), off));
        if (c.architecture().equals("phi3")) {
            out.add(new Entry(a + "qkv_proj.weight", RowSource.stacked(List.of(RowSource.of(w.q()), RowSource.of(w.k()), RowSource.of(w.v()))), true));
        } else {
            out.add(matrix(a + "q_proj.weight", w.q()));
            out.add(matrix(a + "k_proj.weight", w.k()));
            out.add(matrix(a + "v_proj.weight", w.v()));
        }
        vector(out, a + "q_proj.bias", w.qBias());
        vector(out, a + "k_proj.bias", w.kBias());
        vector(out, a + "v_proj.bias", w.vBias());
        out.add(matrix(a + "o_proj.weight", w.o()));
        vector(out, a + "o_proj.bias", w.oBias());
        vector(out, a + "q_norm.weight", w.qNorm());
        vector(out, a + "k_norm.weight", w.kNorm());
        if (c.postNorms()) {
            vector(out, p + "post_attention_layernorm.weight", w.postAttnNorm());
            vector(out, p + "post_feedforward_layernorm.weight", w.postFfnNorm());
        } else {
            vector(out, p + "post_attention_layernorm.weight", minus(w.ffnNorm(), off));
        }
        if (c.architecture().equals("phi3")) {
            out.add(new Entry(f + "gate_up_proj.weight", RowSource.stacked(List.of(RowSource.of(w.gate()), RowSource.of(w.up()))), true));
        } else {
            out.add(matrix(f + "gate_proj.weight", w.gate()));
            out.add(matrix(f + "up_proj.weight", w.up()));
        }
        vector(out, f + "up_proj.bias", w.upBias());
        out.add(matrix(f + "down_proj.weight", w.down()));
        vector(out, f + "down_proj.bias", w.downBias());
    }

    /** GPT-NeoX fuses q, k, v per head: rows [h0 q; h0 k; h0 v; h1 q; ...]. */
    private static void neoxLayer(List<Entry> out, ModelConfig c, LayerWeights w, int l) {
        String p = "gpt_neox.layers." + l + ".";
        int hd = c.headDim();
        Tensor[] parts = {w.q(), w.k(), w.v()};
        RowSource.Reader reader = (r, dst, o) -> {
            int head = (int) (r / (3L * hd)), within = (int) (r % (3L * hd));
            parts[within / hd].readRow((long) head * hd + within % hd, dst, o);
        };
        vector(out, p + "input_layernorm.weight", w.attnNorm());
        vector(out, p + "input_layernorm.bias", w.attnNormBias());
        vector(out, p + "post_attention_layernorm.weight", w.ffnNorm());
        vector(out, p + "post_attention_layernorm.bias", w.ffnNormBias());
        out.add(new Entry(p + "attention.query_key_value.weight", new RowSource(3L * c.qDim(), c.hiddenSize(), reader), true));
        if (w.qBias() != null) {
            float[] b = new float[3 * c.qDim()];
            float[][] bp = {w.qBias(), w.kBias(), w.vBias()};
            for (int i = 0; i < b.length; i++) b[i] = bp[(i % (3 * hd)) / hd][(i / (3 * hd)) * hd + i % hd];
            vector(out, p + "attention.query_key_value.bias", b);
        }
        out.add(matrix(p + "attention.dense.weight", w.o()));
        vector(out, p + "attention.dense.bias", w.oBias());
        out.add(matrix(p + "mlp.dense_h_to_4h.weight", w.up()));
        vector(out, p + "mlp.dense_h_to_4h.bias", w.upBias());
        out.add(matrix(p + "mlp.dense_4h_to_h.weight", w.down()));
        vector(out, p + "mlp.dense_4h_to_h.bias", w.downBias());
    }

    /** config.json for transformers (and this tool's loader) describing the model, weights in {@code dtype}. */
    static ObjectNode config(Model m, String dtype) {
        ModelConfig c = m.config();
        boolean neox = c.architecture().equals("gpt_neox");
        ObjectNode n = JSON.createObjectNode();
        Map<String, String> classes = new LinkedHashMap<>(Map.of("llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM",
                "qwen2", "Qwen2ForCausalLM", "phi3", "Phi3ForCausalLM", "olmo", "OlmoForCausalLM", "olmo2", "Olmo2ForCausalLM",
                "gemma", "GemmaForCausalLM", "gpt_neox", "GPTNeoXForCausalLM"));
        n.putArray("architectures").add(classes.get(c.architecture()));
        n.put("model_type", c.architecture());
        n.put("hidden_size", c.hiddenSize()).put("intermediate_size", c.intermediateSize())
                .put("num_hidden_layers", c.layers()).put("num_attention_heads", c.heads())
                .put("num_key_value_heads", c.kvHeads()).put("head_dim", c.headDim())
                .put("vocab_size", c.vocabSize()).put("max_position_embeddings", c.contextLength())
                .put("tie_word_embeddings", c.tiedEmbeddings())
                .put("bos_token_id", c.bosId()).put("eos_token_id", c.eosId())
                .put("torch_dtype", switch (dtype) { case "F16" -> "float16"; case "BF16" -> "bfloat16"; default -> "float32"; });
        String act = switch (c.activation()) { case SILU -> "silu"; case GELU_TANH -> "gelu_pytorch_tanh"; case GELU_ERF -> "gelu"; };
        n.put(c.architecture().equals("gemma") ? "hidden_activation" : "hidden_act", act);
        if (c.norm() == ModelConfig.Norm.RMS) n.put("rms_norm_eps", c.normEps());
        else n.put("layer_norm_eps", c.normEps());
        if (neox) {
            n.put("rotary_pct", (double) c.rotaryDims() / c.headDim()).put("rotary_emb_base", c.ropeTheta())
                    .put("use_parallel_residual", c.parallelResidual());
        } else {
            n.put("rope_theta", c.ropeTheta());
            if (c.rotaryDims() != c.headDim()) n.put("partial_rotary_factor", (double) c.rotaryDims() / c.headDim());
        }
        if (!Float.isNaN(c.clipQkv())) n.put("clip_qkv", c.clipQkv());
        // Without it transformers (and this loader) ignore the MLP biases written beside the weights.
        if (!neox && m.layers().stream().anyMatch(w -> w.upBias() != null || w.downBias() != null)) n.put("mlp_bias", true);
        // The same for attention biases (Qwen2 has its q/k/v biases whatever the config says).
        boolean attentionBiases = m.layers().stream().anyMatch(w -> w.qBias() != null || w.kBias() != null || w.vBias() != null || w.oBias() != null);
        if (!neox && !c.architecture().equals("qwen2") && attentionBiases) n.put("attention_bias", true);
        if (c.slidingWindow() > 0) n.put("sliding_window", c.slidingWindow());
        else if (c.architecture().equals("mistral") || c.architecture().equals("phi3")) n.putNull("sliding_window");
        var rs = c.ropeScaling();
        if (rs != null) {
            ObjectNode r = n.putObject("rope_scaling");
            switch (rs.type()) {
                case "linear" -> r.put("rope_type", "linear").put("factor", rs.factor());
                case "llama3" -> r.put("rope_type", "llama3").put("factor", rs.factor()).put("low_freq_factor", rs.lowFreqFactor())
                        .put("high_freq_factor", rs.highFreqFactor()).put("original_max_position_embeddings", (int) rs.originalMaxPositions());
                default -> throw new SuperweightException(m.id() + ": rope scaling given as per-frequency divisors "
                        + "(a GGUF rope_freqs tensor) has no Hugging Face config equivalent");
            }
        }
        return n;
    }

    private static float[] minus(float[] v, float off) {
        if (v == null || off == 0) return v;
        float[] r = new float[v.length];
        for (int i = 0; i < r.length; i++) r[i] = v[i] - off;
        return r;
    }

    private static Entry matrix(String name, Tensor t) {
        return new Entry(name, RowSource.of(t), true);
    }

    private static void vector(List<Entry> out, String name, float[] v) {
        if (v != null) out.add(new Entry(name, RowSource.vector(v), false));
    }
}
