package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.model.arch.ModelConfig.Activation;
import superweight.model.arch.ModelConfig.Norm;
import superweight.model.format.Checkpoint;
import superweight.model.tensor.RowView;
import superweight.model.tensor.Tensor;

/**
 * GPT-NeoX / Pythia: LayerNorm with bias, fused query_key_value with rows per head [q | k | v], partial rotary,
 * parallel residual, ungated GELU MLP with biases. GGUF reorders the fused rows to [all q; all k; all v].
 */
final class GptNeox extends Architecture {
    @Override
    protected Norm norm() {
        return Norm.LAYER;
    }

    @Override
    protected double hfNormEps(JsonNode c) {
        return c.path("layer_norm_eps").asDouble(1e-5);
    }

    @Override
    protected Activation hfActivation(JsonNode c) {
        return activation(c.path("hidden_act").asText("gelu"), c);
    }

    @Override
    protected Activation ggufActivation() {
        return Activation.GELU_ERF;
    }

    @Override
    protected boolean gatedMlp() {
        return false;
    }

    /** GPTNeoXAttention builds query_key_value and dense with bias=config.attention_bias, true by default (Pythia). */
    @Override
    protected boolean hfQkvBias(JsonNode c) {
        return c.path("attention_bias").asBoolean(true);
    }

    @Override
    protected boolean hfOutputBias(JsonNode c) {
        return c.path("attention_bias").asBoolean(true);
    }

    @Override
    protected boolean parallelResidual(JsonNode c) {
        return c == null || c.path("use_parallel_residual").asBoolean(true);
    }

    @Override
    protected double hfRotaryFraction(JsonNode c) {
        return c.path("rotary_pct").asDouble(c.path("partial_rotary_factor").asDouble(0.25));
    }

    @Override
    protected double hfRopeTheta(JsonNode c) {
        return c.path("rotary_emb_base").asDouble(c.path("rope_theta").asDouble(10000.0));
    }

    @Override
    public String hfEmbeddings() {
        return "gpt_neox.embed_in.weight";
    }

    @Override
    public String hfFinalNorm() {
        return "gpt_neox.final_layer_norm.weight";
    }

    @Override
    public String hfFinalNormBias() {
        return "gpt_neox.final_layer_norm.bias";
    }

    @Override
    public LayerWeights hfLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String p = "gpt_neox.layers." + l + ".";
        Tensor qkv = ck.tensor(p + "attention.query_key_value.weight");
        expectRows(ck, qkv, 3L * cfg.qDim());
        int hd = cfg.headDim();
        long[][] maps = new long[3][cfg.qDim()];
        for (int h = 0; h < cfg.heads(); h++) {
            for (int part = 0; part < 3; part++) {
                for (int r = 0; r < hd; r++) maps[part][h * hd + r] = (long) h * 3 * hd + (long) part * hd + r;
            }
        }
        float[] b = hfAttentionBias(ck, p + "attention.query_key_value.bias", false);
        expectLength(ck, p + "attention.query_key_value.bias", b, 3L * cfg.qDim());
        float[][] bias = new float[3][];
        if (b != null) {
            for (int part = 0; part < 3; part++) {
                bias[part] = new float[cfg.qDim()];
                for (int i = 0; i < cfg.qDim(); i++) bias[part][i] = b[(int) maps[part][i]];
            }
        }
        return new LayerWeights(vector(ck, p + "input_layernorm.weight", 0), optVec(ck, p + "input_layernorm.bias"),
                RowView.gather(p + "q", qkv, maps[0]), RowView.gather(p + "k", qkv, maps[1]), RowView.gather(p + "v", qkv, maps[2]),
                ck.tensor(p + "attention.dense.weight"),
                bias[0], bias[1], bias[2], hfAttentionBias(ck, p + "attention.dense.bias", true),
                null, null, null,
                vector(ck, p + "post_attention_layernorm.weight", 0), optVec(ck, p + "post_attention_layernorm.bias"),
                null, ck.tensor(p + "mlp.dense_h_to_4h.weight"), ck.tensor(p + "mlp.dense_4h_to_h.weight"),
                optVec(ck, p + "mlp.dense_h_to_4h.bias"), optVec(ck, p + "mlp.dense_4h_to_h.bias"), null);
    }
}
