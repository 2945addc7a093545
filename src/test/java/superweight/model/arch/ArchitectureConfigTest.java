package superweight.model.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How config.json and GGUF metadata become a {@link ModelConfig}: what each key sets, the default when a key is
 * absent (Hugging Face's PretrainedConfig defaults and llama.cpp's for GGUF), and the one-line refusals.
 */
class ArchitectureConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    // ---- config.json ---------------------------------------------------------------------------------------------

    private static ObjectNode minimalHf() {
        return JSON.createObjectNode().put("hidden_size", 64).put("num_attention_heads", 4).put("intermediate_size", 176)
                .put("num_hidden_layers", 3).put("vocab_size", 320);
    }

    private static ModelConfig hf(String modelType, ObjectNode c, boolean hasLmHead) {
        return Architecture.forModelType(modelType, "config.json").hfConfig(c, "config.json", hasLmHead);
    }

    @Test
    void hfDefaultsWhenOptionalKeysAreAbsent() {
        ModelConfig c = hf("llama", minimalHf(), true);
        assertThat(c.architecture()).isEqualTo("llama");
        assertThat(c.headDim()).isEqualTo(16);          // hidden / heads
        assertThat(c.kvHeads()).isEqualTo(4);           // = heads
        assertThat(c.rotaryDims()).isEqualTo(16);
        assertThat(c.contextLength()).isEqualTo(2048);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.normEps()).isEqualTo(1e-6);
        assertThat(c.clipQkv()).isNaN();
        assertThat(c.tiedEmbeddings()).isFalse();
        assertThat(c.bosId()).isEqualTo(1);
        assertThat(c.eosId()).isEqualTo(2);
        assertThat(c.ropeScaling()).isNull();
        assertThat(c.slidingWindow()).isZero();
        // families whose default is tied: gemma; and any family without a stored head
        assertThat(hf("gemma", minimalHf(), true).tiedEmbeddings()).isTrue();
        assertThat(hf("llama", minimalHf(), false).tiedEmbeddings()).isTrue();
        assertThat(hf("llama", minimalHf().put("tie_word_embeddings", true), true).tiedEmbeddings()).isTrue();
        assertThat(hf("gemma", minimalHf().put("tie_word_embeddings", false), true).tiedEmbeddings()).isFalse();
    }

    @Test
    void hfExplicitValues() {
        ObjectNode j = minimalHf().put("head_dim", 32).put("num_key_value_heads", 2).put("clip_qkv", 8.5).put("max_position_embeddings", 512)
                .put("rope_theta", 500000.0).put("rms_norm_eps", 1e-5);
        j.putArray("eos_token_id").add(128001).add(128009);   // Llama-3 instruct lists several: the first is used
        j.putArray("bos_token_id").add(7);
        ModelConfig c = hf("llama", j, true);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.kvHeads()).isEqualTo(2);
        assertThat(c.clipQkv()).isEqualTo(8.5f);
        assertThat(c.contextLength()).isEqualTo(512);
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.eosId()).isEqualTo(128001);
        assertThat(c.bosId()).isEqualTo(7);
        ObjectNode emptyList = minimalHf();
        emptyList.putArray("eos_token_id");
        assertThat(hf("llama", emptyList, true).eosId()).isEqualTo(2);
        assertThat(hf("llama", minimalHf().put("eos_token_id", 0), true).eosId()).isZero();
        // plain integers, as most configs write them (the fixtures: 1 and 2)
        ModelConfig ints = hf("llama", minimalHf().put("bos_token_id", 5).put("eos_token_id", 6), true);
        assertThat(new int[]{ints.bosId(), ints.eosId()}).containsExactly(5, 6);
        assertThat(hf("llama", minimalHf().put("clip_qkv", "8"), true).clipQkv()).as("a string is not a number").isNaN();
    }

    @Test
    void hfRequiredSizesAreRefusedOneLine() {
        assertThatThrownBy(() -> hf("llama", (ObjectNode) minimalHf().remove(java.util.List.of("vocab_size")), true))
                .isInstanceOf(SuperweightException.class).hasMessage("config.json: config.json has no integer vocab_size");
        assertThatThrownBy(() -> hf("llama", minimalHf().put("hidden_size", "64x"), true))
                .hasMessage("config.json: config.json has no integer hidden_size");
        assertThatThrownBy(() -> hf("llama", minimalHf().put("num_hidden_layers", 0), true))
                .hasMessage("config.json: config.json num_hidden_layers 0 is not positive");
        assertThat(hf("llama", minimalHf().put("num_hidden_layers", 1), true).layers()).isEqualTo(1);
    }

    @Test
    void hfRopeScalingTypes() {
        assertThat(Architecture.hfRopeScaling(JSON.missingNode(), "c")).isNull();
        assertThat(Architecture.hfRopeScaling(JSON.nullNode(), "c")).isNull();
        assertThat(Architecture.hfRopeScaling(JSON.createObjectNode().put("rope_type", "default"), "c")).isNull();
        ModelConfig.RopeScaling lin = Architecture.hfRopeScaling(JSON.createObjectNode().put("type", "linear").put("factor", 4.0), "c");
        assertThat(lin.type()).isEqualTo("linear");
        assertThat(lin.factor()).isEqualTo(4.0);
        // rope_type wins over the older key "type"
        ModelConfig.RopeScaling l3 = Architecture.hfRopeScaling(JSON.createObjectNode().put("rope_type", "llama3").put("type", "linear"), "c");
        assertThat(l3.type()).isEqualTo("llama3");
        assertThat(new double[]{l3.factor(), l3.lowFreqFactor(), l3.highFreqFactor(), l3.originalMaxPositions()})
                .containsExactly(8, 1, 4, 8192);   // the values assumed when absent (Llama-3.1's)
        assertThatThrownBy(() -> Architecture.hfRopeScaling(JSON.createObjectNode().put("rope_type", "yarn"), "c"))
                .hasMessage("c: unsupported rope_scaling type 'yarn' (supported: linear, llama3)");
    }

    @Test
    void activationsByName() {
        assertThat(Architecture.activation("silu", "c")).isEqualTo(ModelConfig.Activation.SILU);
        assertThat(Architecture.activation("swish", "c")).isEqualTo(ModelConfig.Activation.SILU);
        assertThat(Architecture.activation("gelu", "c")).isEqualTo(ModelConfig.Activation.GELU_ERF);
        for (String tanh : new String[]{"gelu_pytorch_tanh", "gelu_new", "gelu_fast"}) {
            assertThat(Architecture.activation(tanh, "c")).isEqualTo(ModelConfig.Activation.GELU_TANH);
        }
        assertThatThrownBy(() -> Architecture.activation("relu", "c")).hasMessage("c: unsupported activation 'relu'");
    }

    @Test
    void familyNames() {
        assertThat(Architecture.forModelType("mistral", "c").modelType()).isEqualTo("mistral");
        assertThat(Architecture.forGguf("gptneox", "c").modelType()).isEqualTo("gpt_neox");
        assertThatThrownBy(() -> Architecture.forGguf("mamba", "f.gguf"))
                .hasMessage("f.gguf: unsupported GGUF architecture 'mamba' (supported: llama, qwen2, phi3, olmo, olmo2, gemma, gptneox, bert)");
        assertThatThrownBy(() -> Architecture.forModelType("mamba", "c")).hasMessageStartingWith("c: unsupported architecture 'mamba' (supported: llama, mistral,");
        assertThat(Architecture.ggufName("gpt_neox")).isEqualTo("gptneox");
        assertThat(Architecture.ggufName("mistral")).isEqualTo("llama");   // as llama.cpp's converter writes it
        assertThat(Architecture.ggufName("olmo2")).isEqualTo("olmo2");
        assertThatThrownBy(() -> Architecture.ggufName("roberta")).hasMessage("no GGUF architecture for model_type 'roberta'");
        assertThat(Architecture.forModelType("llama", "c").ggufStoresAdjacentPairRope()).isTrue();
        assertThat(Architecture.forModelType("qwen2", "c").ggufStoresAdjacentPairRope()).isFalse();
    }

    /**
     * llama.cpp's converter permutes Q/K rows per head with reshape(heads, 2, hd/2).swapaxes(1, 2): stored row
     * 2i + j of a head holds canonical row j * hd/2 + i. For one head of 6: stored {0, 3, 1, 4, 2, 5}.
     */
    @Test
    void adjacentPairOrderIsLlamaCppsPermutation() {
        assertThat(Architecture.adjacentPairOrder(1, 6)).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(Architecture.adjacentPairOrder(2, 4)).containsExactly(0, 2, 1, 3, 4, 6, 5, 7);
        // a stored bias vector goes back to canonical order: canonical row r is stored at the position holding it
        float[] stored = {10, 13, 11, 14, 12, 15};   // canonical 10..15 in stored order
        assertThat(Architecture.unpermute(stored, 1, 6)).containsExactly(10, 11, 12, 13, 14, 15);
        assertThat(Architecture.unpermute((float[]) null, 1, 6)).isNull();
    }

    // ---- GGUF metadata -------------------------------------------------------------------------------------------

    private ModelConfig gguf(String arch, Map<String, Object> meta, boolean hasOutput, float[] ropeFreqs) {
        Path f = tmp.resolve("m" + System.nanoTime() + ".gguf");
        GgufWriter w = new GgufWriter().put("general.architecture", arch);
        meta.forEach(w::put);
        w.write(f);
        try (GgufFile g = GgufFile.open(f)) {
            return Architecture.forGguf(arch, f).ggufConfig(g, arch, 320, hasOutput, ropeFreqs);
        }
    }

    private static Map<String, Object> required(String a) {
        return new java.util.LinkedHashMap<>(Map.of(a + ".embedding_length", 64, a + ".attention.head_count", 4,
                a + ".feed_forward_length", 176, a + ".block_count", 3));
    }

    private static Map<String, Object> plus(Map<String, Object> m, Object... kv) {
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void ggufDefaultsWhenOptionalKeysAreAbsent() {
        ModelConfig c = gguf("llama", required("llama"), true, null);
        assertThat(c.vocabSize()).isEqualTo(320);
        assertThat(c.kvHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.rotaryDims()).isEqualTo(16);
        assertThat(c.contextLength()).isEqualTo(2048);
        assertThat(c.ropeTheta()).isEqualTo(10000.0);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.clipQkv()).isNaN();
        assertThat(c.parallelResidual()).isFalse();
        assertThat(c.tiedEmbeddings()).isFalse();
        assertThat(c.bosId()).isEqualTo(1);
        assertThat(c.eosId()).isEqualTo(2);
        assertThat(c.slidingWindow()).isZero();
        assertThat(c.ropeScaling()).isNull();
        assertThat(gguf("llama", required("llama"), false, null).tiedEmbeddings()).isTrue();
        // GPT-NeoX is parallel unless the file says otherwise
        assertThat(gguf("gptneox", required("gptneox"), true, null).parallelResidual()).isTrue();
        assertThat(gguf("gptneox", plus(required("gptneox"), "gptneox.use_parallel_residual", false), true, null).parallelResidual()).isFalse();
    }

    @Test
    void ggufExplicitValues() {
        ModelConfig c = gguf("llama", plus(required("llama"), "llama.attention.head_count_kv", 2, "llama.attention.key_length", 32,
                "llama.rope.dimension_count", 8, "llama.attention.layer_norm_rms_epsilon", 1e-6f, "llama.rope.freq_base", 5e5f,
                "llama.attention.clamp_kqv", 8f, "llama.context_length", 4096, "tokenizer.ggml.bos_token_id", 11,
                "tokenizer.ggml.eos_token_id", 12, "llama.attention.sliding_window", 5), true, null);
        assertThat(c.kvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.rotaryDims()).isEqualTo(8);
        assertThat(c.normEps()).isEqualTo((double) 1e-6f);
        assertThat(c.ropeTheta()).isEqualTo(5e5);
        assertThat(c.clipQkv()).isEqualTo(8f);
        assertThat(c.contextLength()).isEqualTo(4096);
        assertThat(c.bosId()).isEqualTo(11);
        assertThat(c.eosId()).isEqualTo(12);
        assertThat(c.slidingWindow()).isEqualTo(5);
        // LayerNorm families store layer_norm_epsilon instead
        assertThat(gguf("llama", plus(required("llama"), "llama.attention.layer_norm_epsilon", 1e-3f), true, null).normEps())
                .isEqualTo((double) 1e-3f);
    }

    @Test
    void ggufRopeScaling() {
        ModelConfig lin = gguf("llama", plus(required("llama"), "llama.rope.scaling.type", "linear", "llama.rope.scaling.factor", 4f), true, null);
        assertThat(lin.ropeScaling().type()).isEqualTo("linear");
        assertThat(lin.ropeScaling().factor()).isEqualTo(4.0);
        assertThat(gguf("llama", plus(required("llama"), "llama.rope.scaling.type", "none"), true, null).ropeScaling()).isNull();
        float[] freqs = {1, 2, 3, 4, 5, 6, 7, 8};
        ModelConfig div = gguf("llama", required("llama"), true, freqs);
        assertThat(div.ropeScaling().type()).isEqualTo("divisors");
        assertThat(div.ropeScaling().freqDivisors()).containsExactly(freqs);
        assertThatThrownBy(() -> gguf("llama", plus(required("llama"), "llama.rope.scaling.type", "linear"), true, null))
                .isInstanceOf(SuperweightException.class).hasMessageEndingWith(": linear rope scaling without llama.rope.scaling.factor");
        assertThatThrownBy(() -> gguf("llama", plus(required("llama"), "llama.rope.scaling.type", "yarn"), true, null))
                .hasMessageEndingWith(": unsupported rope scaling type 'yarn'");
    }

    /** Sizes are uint32/uint64 in GGUF: a value outside int range is refused, never wrapped. */
    @Test
    void ggufIntegersOutsideIntRange() {
        Function<Object[], String> refusal = kv -> {
            try {
                gguf("llama", plus(required("llama"), kv), true, null);
                return "accepted";
            } catch (SuperweightException e) {
                return e.getMessage().substring(e.getMessage().indexOf(".gguf: ") + 7);
            }
        };
        long max = Integer.MAX_VALUE;
        assertThat(refusal.apply(new Object[]{"llama.context_length", max})).isEqualTo("accepted");
        assertThat(refusal.apply(new Object[]{"llama.context_length", max + 1})).isEqualTo("metadata llama.context_length 2147483648 is outside int range");
        assertThat(refusal.apply(new Object[]{"llama.attention.sliding_window", (long) Integer.MIN_VALUE - 1}))
                .isEqualTo("metadata llama.attention.sliding_window -2147483649 is outside int range");
        // MIN_VALUE itself is an int: read, then refused as a window by ConfigLimits (not here)
        assertThat(refusal.apply(new Object[]{"llama.attention.sliding_window", (long) Integer.MIN_VALUE})).isEqualTo("accepted");
        assertThat(refusal.apply(new Object[]{"llama.block_count", max})).isEqualTo("accepted");
        assertThat(refusal.apply(new Object[]{"llama.block_count", max + 1})).isEqualTo("metadata llama.block_count 2147483648 is outside 1..2147483647");
        assertThat(refusal.apply(new Object[]{"llama.block_count", 0L})).isEqualTo("metadata llama.block_count 0 is outside 1..2147483647");
        assertThat(refusal.apply(new Object[]{"llama.block_count", 1L})).isEqualTo("accepted");
        Map<String, Object> noLayers = required("llama");
        noLayers.remove("llama.block_count");
        assertThatThrownBy(() -> gguf("llama", noLayers, true, null)).hasMessageEndingWith(": missing metadata llama.block_count");
    }
}
