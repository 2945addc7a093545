package superweight.model.arch;

import superweight.model.format.Checkpoint;
import superweight.model.tensor.RowView;
import superweight.model.tensor.Tensor;

/** Phi-3: fused qkv_proj rows [q; k; v] and gate_up_proj rows [gate; up], sliced as views. */
final class Phi3 extends Architecture {
    @Override
    public LayerWeights hfLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String p = "model.layers." + l + ".";
        Tensor qkv = ck.tensor(p + "self_attn.qkv_proj.weight");
        expectRows(ck, qkv, cfg.qDim() + 2L * cfg.kvDim());
        Tensor gateUp = ck.tensor(p + "mlp.gate_up_proj.weight");
        expectRows(ck, gateUp, 2L * cfg.intermediateSize());
        int i = cfg.intermediateSize();
        return new LayerWeights(vector(ck, p + "input_layernorm.weight", 0), null,
                RowView.slice(p + "q", qkv, 0, cfg.qDim()), RowView.slice(p + "k", qkv, cfg.qDim(), cfg.kvDim()),
                RowView.slice(p + "v", qkv, cfg.qDim() + cfg.kvDim(), cfg.kvDim()), ck.tensor(p + "self_attn.o_proj.weight"),
                null, null, null, null, null, null, null,
                vector(ck, p + "post_attention_layernorm.weight", 0), null,
                RowView.slice(p + "gate", gateUp, 0, i), RowView.slice(p + "up", gateUp, i, i), ck.tensor(p + "mlp.down_proj.weight"),
                null, null, null);
    }
}
