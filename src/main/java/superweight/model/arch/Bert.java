package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;
import superweight.model.arch.ModelConfig.Activation;
import superweight.model.arch.ModelConfig.Norm;
import superweight.model.format.Checkpoint;
import superweight.model.format.GgufFile;

/**
 * BERT-family encoders (bert; roberta and xlm-roberta, whose position ids start after the padding index):
 * word + absolute position + token-type embeddings and an embedding LayerNorm, then post-LayerNorm blocks
 * x = LN(x + attention(x)), x = LN(x + MLP(x)) with biases everywhere and an ungated GELU MLP. In
 * {@link LayerWeights} the two block norms sit in the attention-norm and MLP-norm slots (applied after the residual
 * add by {@code engine.Encoder}); {@code intermediate.dense} is the up projection and {@code output.dense} the
 * down projection, so taps and interventions address it like a decoder's down_proj. Checkpoints saved from
 * BertModel have no prefix, those from BertForMaskedLM etc. have {@code bert.} (or {@code roberta.}).
 */
final class Bert extends Architecture {
    private final int defaultPositionOffset;

    Bert(boolean roberta) {
        this.defaultPositionOffset = roberta ? -1 : 0;
    }

    @Override
    protected Norm norm() {
        return Norm.LAYER;
    }

    @Override
    protected double hfNormEps(JsonNode c) {
        return c.path("layer_norm_eps").asDouble(1e-12);
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
    public boolean encoder() {
        return true;
    }

    @Override
    public String hfFinalNorm() {
        return null;
    }

    /** Ungated MLP, no head (tied, never read), no RoPE: set here rather than through the decoder hooks. */
    @Override
    public ModelConfig hfConfig(JsonNode c, Object where, boolean hasLmHead) {
        String positions = c.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new SuperweightException(where + ": position_embedding_type '" + positions + "' is not supported (only absolute)");
        }
        ModelConfig cfg = super.hfConfig(c, where, false);
        int offset = positionOffset(c);
        return new ModelConfig(cfg.architecture(), cfg.hiddenSize(), cfg.intermediateSize(), cfg.layers(), cfg.heads(),
                cfg.kvHeads(), cfg.headDim(), cfg.vocabSize(), cfg.contextLength() - offset, 0, 0, null, cfg.norm(),
                cfg.normEps(), cfg.activation(), false, false, false, false, Float.NaN, 1f, true,
                c.path("cls_token_id").asInt(-1), c.path("sep_token_id").asInt(-1));
    }

    @Override
    public ModelConfig ggufConfig(GgufFile g, String arch, int vocab, boolean hasOutput, float[] ropeFreqs) {
        if (Boolean.TRUE.equals(g.getBoolean(arch + ".attention.causal"))) {
            throw new SuperweightException(g.path() + ": " + arch + ".attention.causal is true; only bidirectional encoders are supported");
        }
        ModelConfig cfg = super.ggufConfig(g, arch, vocab, false, null);
        return new ModelConfig(cfg.architecture(), cfg.hiddenSize(), cfg.intermediateSize(), cfg.layers(), cfg.heads(),
                cfg.kvHeads(), cfg.headDim(), cfg.vocabSize(), cfg.contextLength(), 0, 0, null, cfg.norm(),
                cfg.normEps(), cfg.activation(), false, false, false, false, Float.NaN, 1f, true, -1, -1);
    }

    /** RoBERTa counts positions from padding_idx + 1 (HF create_position_ids_from_input_ids); BERT from 0. */
    private int positionOffset(JsonNode c) {
        return defaultPositionOffset < 0 ? c.path("pad_token_id").asInt(1) + 1 : 0;
    }

    private static String prefix(Checkpoint ck) {
        for (String p : new String[]{"", "bert.", "roberta."}) {
            if (ck.has(p + "embeddings.word_embeddings.weight")) return p;
        }
        throw new SuperweightException(ck.path() + ": no embeddings.word_embeddings.weight (with or without a bert./roberta. prefix)");
    }

    @Override
    public String hfEmbeddings(Checkpoint ck) {
        return prefix(ck) + "embeddings.word_embeddings.weight";
    }

    @Override
    public EncoderEmbeddings hfEncoderEmbeddings(Checkpoint ck, JsonNode c) {
        String e = prefix(ck) + "embeddings.";
        return new EncoderEmbeddings(ck.tensor(e + "position_embeddings.weight"), ck.tensor(e + "token_type_embeddings.weight"),
                vector(ck, e + "LayerNorm.weight", 0), vector(ck, e + "LayerNorm.bias", 0), positionOffset(c));
    }

    @Override
    public EncoderEmbeddings ggufEncoderEmbeddings(Checkpoint ck) {
        return new EncoderEmbeddings(ck.tensor("position_embd.weight"), ck.tensor("token_types.weight"),
                vector(ck, "token_embd_norm.weight", 0), vector(ck, "token_embd_norm.bias", 0), 0);
    }

    @Override
    public LayerWeights hfLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String p = prefix(ck) + "encoder.layer." + l + ".";
        String s = p + "attention.self.", ao = p + "attention.output.";
        return new LayerWeights(vector(ck, ao + "LayerNorm.weight", 0), vector(ck, ao + "LayerNorm.bias", 0),
                ck.tensor(s + "query.weight"), ck.tensor(s + "key.weight"), ck.tensor(s + "value.weight"), ck.tensor(ao + "dense.weight"),
                vector(ck, s + "query.bias", 0), vector(ck, s + "key.bias", 0), vector(ck, s + "value.bias", 0), vector(ck, ao + "dense.bias", 0),
                null, null, null,
                vector(ck, p + "output.LayerNorm.weight", 0), vector(ck, p + "output.LayerNorm.bias", 0),
                null, ck.tensor(p + "intermediate.dense.weight"), ck.tensor(p + "output.dense.weight"),
                vector(ck, p + "intermediate.dense.bias", 0), vector(ck, p + "output.dense.bias", 0), null);
    }

    /** llama.cpp's bert names: attn_output_norm after attention, layer_output_norm after the MLP. */
    @Override
    public LayerWeights ggufLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String p = "blk." + l + ".";
        return new LayerWeights(vector(ck, p + "attn_output_norm.weight", 0), vector(ck, p + "attn_output_norm.bias", 0),
                ck.tensor(p + "attn_q.weight"), ck.tensor(p + "attn_k.weight"), ck.tensor(p + "attn_v.weight"),
                ck.tensor(p + "attn_output.weight"),
                vector(ck, p + "attn_q.bias", 0), vector(ck, p + "attn_k.bias", 0), vector(ck, p + "attn_v.bias", 0),
                vector(ck, p + "attn_output.bias", 0),
                null, null, null,
                vector(ck, p + "layer_output_norm.weight", 0), vector(ck, p + "layer_output_norm.bias", 0),
                null, ck.tensor(p + "ffn_up.weight"), ck.tensor(p + "ffn_down.weight"),
                vector(ck, p + "ffn_up.bias", 0), vector(ck, p + "ffn_down.bias", 0), null);
    }
}
