package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.model.arch.ModelConfig.Norm;
import superweight.model.format.Checkpoint;

/** OLMo v1: parameter-free LayerNorm (eps 1e-5 fixed), optional clip_qkv, adjacent-pair Q/K in GGUF. */
final class Olmo extends Architecture {
    @Override
    protected Norm norm() {
        return Norm.LAYER;
    }

    @Override
    protected double hfNormEps(JsonNode c) {
        return 1e-5;
    }

    @Override
    protected boolean ggufAdjacentPairRope() {
        return true;
    }

    @Override
    public String hfFinalNorm() {
        return null;
    }

    @Override
    public LayerWeights hfLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String a = "model.layers." + l + ".self_attn.", m = "model.layers." + l + ".mlp.";
        return new LayerWeights(null, null,
                ck.tensor(a + "q_proj.weight"), ck.tensor(a + "k_proj.weight"), ck.tensor(a + "v_proj.weight"), ck.tensor(a + "o_proj.weight"),
                hfAttentionBias(ck, a + "q_proj.bias", false), hfAttentionBias(ck, a + "k_proj.bias", false),
                hfAttentionBias(ck, a + "v_proj.bias", false), hfAttentionBias(ck, a + "o_proj.bias", true),
                null, null, null, null, null,
                ck.tensor(m + "gate_proj.weight"), ck.tensor(m + "up_proj.weight"), ck.tensor(m + "down_proj.weight"),
                null, null, null);
    }
}
