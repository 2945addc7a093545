package superweight.model.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each family's configuration quirks read from a minimal config.json (the keys and defaults of the transformers
 * config class of that family), and the canonical layer record's accessors.
 */
class FamilyQuirksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode minimal() {
        return JSON.createObjectNode().put("hidden_size", 64).put("num_attention_heads", 4).put("intermediate_size", 256)
                .put("num_hidden_layers", 2).put("vocab_size", 320);
    }

    private static ModelConfig hf(String type, ObjectNode c) {
        return Architecture.forModelType(type, "config.json").hfConfig(c, "config.json", true);
    }

    @Test
    void gemmaScalesEmbeddingsBySqrtHiddenRoundedToTheCheckpointDtype() {
        assertThat(hf("gemma", minimal()).embeddingScale()).isEqualTo(8f);   // sqrt(64)
        // transformers multiplies by torch.tensor(hidden ** 0.5, dtype=bfloat16): 45.25 for Gemma-2B (2048), 55.5 for Gemma-7B (3072)
        assertThat(hf("gemma", minimal().put("hidden_size", 2048).put("torch_dtype", "bfloat16")).embeddingScale()).isEqualTo(45.25f);
        assertThat(hf("gemma", minimal().put("hidden_size", 3072).put("num_attention_heads", 16).put("torch_dtype", "bfloat16"))
                .embeddingScale()).isEqualTo(55.5f);
        assertThat(hf("gemma", minimal().put("hidden_size", 3072).put("num_attention_heads", 16).put("torch_dtype", "float32"))
                .embeddingScale()).isEqualTo((float) Math.sqrt(3072));
        assertThat(hf("llama", minimal().put("torch_dtype", "bfloat16")).embeddingScale()).isEqualTo(1f);
        // ties round to even, as torch's float -> bfloat16: sqrt(257^2) = 257 lies halfway between the bfloat16
        // neighbours 256 and 258 (8 significant bits) and goes to 256; 259 between 258 and 260 goes to 260
        assertThat(hf("gemma", minimal().put("hidden_size", 257 * 257).put("torch_dtype", "bfloat16")).embeddingScale()).isEqualTo(256f);
        assertThat(hf("gemma", minimal().put("hidden_size", 259 * 259).put("torch_dtype", "bfloat16")).embeddingScale()).isEqualTo(260f);
        // activation: hidden_activation when given, tanh GELU otherwise; the stored norm weight w means (1 + w)
        assertThat(hf("gemma", minimal()).activation()).isEqualTo(ModelConfig.Activation.GELU_TANH);
        assertThat(hf("gemma", minimal().put("hidden_activation", "gelu")).activation()).isEqualTo(ModelConfig.Activation.GELU_ERF);
        assertThat(Architecture.forModelType("gemma", "c").hfNormOffset()).isEqualTo(1f);
        assertThat(Architecture.forModelType("llama", "c").hfNormOffset()).isZero();
    }

    @Test
    void gptNeoxDefaults() {
        ModelConfig c = hf("gpt_neox", minimal());
        assertThat(c.norm()).isEqualTo(ModelConfig.Norm.LAYER);
        assertThat(c.activation()).isEqualTo(ModelConfig.Activation.GELU_ERF);
        assertThat(c.gatedMlp()).isFalse();
        assertThat(c.parallelResidual()).isTrue();
        assertThat(c.rotaryDims()).isEqualTo(4);   // rotary_pct 0.25 of head 16
        assertThat(c.normEps()).isEqualTo(1e-5);
        ModelConfig set = hf("gpt_neox", minimal().put("use_parallel_residual", false).put("rotary_pct", 0.5).put("rotary_emb_base", 500.0)
                .put("layer_norm_eps", 1e-6).put("hidden_act", "gelu_new"));
        assertThat(set.parallelResidual()).isFalse();
        assertThat(set.rotaryDims()).isEqualTo(8);
        assertThat(set.ropeTheta()).isEqualTo(500.0);
        assertThat(set.normEps()).isEqualTo(1e-6);
        assertThat(set.activation()).isEqualTo(ModelConfig.Activation.GELU_TANH);
        assertThat(hf("llama", minimal()).parallelResidual()).isFalse();
    }

    @Test
    void olmoUsesAParameterFreeLayerNormWithAFixedEpsilon() {
        ModelConfig c = hf("olmo", minimal().put("rms_norm_eps", 1e-3).put("clip_qkv", 8.0));
        assertThat(c.norm()).isEqualTo(ModelConfig.Norm.LAYER);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.clipQkv()).isEqualTo(8f);
        assertThat(Architecture.forModelType("olmo", "c").hfFinalNorm()).isNull();
        ModelConfig o2 = hf("olmo2", minimal().put("rms_norm_eps", 1e-6));
        assertThat(o2.norm()).isEqualTo(ModelConfig.Norm.RMS);
        assertThat(o2.postNorms()).isTrue();
        assertThat(o2.qkNorm()).isTrue();
        assertThat(o2.normEps()).isEqualTo(1e-6);
        assertThat(hf("llama", minimal()).postNorms()).isFalse();
        assertThat(hf("llama", minimal()).qkNorm()).isFalse();
    }

    /** BertConfig's defaults: LayerNorm eps 1e-12, erf GELU; no gate, no RoPE, no head; [CLS]/[SEP] ids as given. */
    @Test
    void bertDefaultsAndItsOnlyPositionType() {
        ModelConfig c = hf("bert", minimal());
        assertThat(c.norm()).isEqualTo(ModelConfig.Norm.LAYER);
        assertThat(c.normEps()).isEqualTo(1e-12);
        assertThat(c.activation()).isEqualTo(ModelConfig.Activation.GELU_ERF);
        assertThat(c.gatedMlp()).isFalse();
        assertThat(c.tiedEmbeddings()).isTrue();
        assertThat(c.rotaryDims()).isZero();
        assertThat(new int[]{c.bosId(), c.eosId()}).containsExactly(-1, -1);
        ModelConfig set = hf("bert", minimal().put("layer_norm_eps", 1e-7).put("hidden_act", "gelu_new")
                .put("cls_token_id", 101).put("sep_token_id", 102).put("position_embedding_type", "absolute"));
        assertThat(set.normEps()).isEqualTo(1e-7);
        assertThat(set.activation()).isEqualTo(ModelConfig.Activation.GELU_TANH);
        assertThat(new int[]{set.bosId(), set.eosId()}).containsExactly(101, 102);
        assertThatThrownBy(() -> hf("bert", minimal().put("position_embedding_type", "relative_key")))
                .isInstanceOf(superweight.SuperweightException.class)
                .hasMessage("config.json: position_embedding_type 'relative_key' is not supported (only absolute)");
    }

    /**
     * RobertaEmbeddings (XLM-R's too) number positions from padding_idx + 1, so a config with
     * max_position_embeddings 514 and pad_token_id 1 (xlm-roberta-base's) leaves 512 usable positions; BERT's start at 0.
     */
    @Test
    void robertaFamiliesLoseThePositionsBeforeThePaddingIndex() {
        ObjectNode xlmr = minimal().put("max_position_embeddings", 514).put("pad_token_id", 1);
        assertThat(hf("xlm-roberta", xlmr).contextLength()).isEqualTo(512);
        assertThat(hf("roberta", xlmr.deepCopy().put("pad_token_id", 3)).contextLength()).isEqualTo(510);
        assertThat(hf("bert", xlmr.deepCopy()).contextLength()).isEqualTo(514);
        assertThat(Architecture.forModelType("xlm-roberta", "c").encoder()).isTrue();
        assertThat(Architecture.forModelType("llama", "c").encoder()).isFalse();
    }

    @Test
    void layerWeightsReplaceExactlyOneProjection() {
        Tensor[] t = new Tensor[7];
        for (int i = 0; i < 7; i++) t[i] = F32Tensor.of("t" + i, 1, 1, new float[]{i});
        float[] n1 = {1}, n2 = {2}, n3 = {3}, n4 = {4};
        LayerWeights w = new LayerWeights(n1, n2, t[0], t[1], t[2], t[3], null, null, null, null, null, null, null, n3, n4,
                t[4], t[5], t[6], null, null, null);
        Linear[] order = {Linear.Q, Linear.K, Linear.V, Linear.O, Linear.GATE, Linear.UP, Linear.DOWN};
        for (int i = 0; i < 7; i++) assertThat(w.linear(order[i])).isSameAs(t[i]);
        Tensor x = F32Tensor.of("x", 1, 1, new float[]{9});
        for (int i = 0; i < 7; i++) {
            LayerWeights changed = w.with(order[i], x);
            for (int j = 0; j < 7; j++) assertThat(changed.linear(order[j])).isSameAs(i == j ? x : t[j]);
            assertThat(changed.attnNorm()).isSameAs(n1);
            assertThat(changed.ffnNormBias()).isSameAs(n4);
        }
        float[] a = {5}, b = {6}, c = {7}, d = {8};
        LayerWeights pre = w.withPreNorms(a, b, c, d);
        assertThat(pre.attnNorm()).isSameAs(a);
        assertThat(pre.attnNormBias()).isSameAs(b);
        assertThat(pre.ffnNorm()).isSameAs(c);
        assertThat(pre.ffnNormBias()).isSameAs(d);
        assertThat(pre.down()).isSameAs(t[6]);
        assertThat(Linear.DOWN.hfName(3)).isEqualTo("model.layers.3.mlp.down_proj.weight");
        assertThat(Linear.K.hfName(0)).isEqualTo("model.layers.0.self_attn.k_proj.weight");
    }
}
