package superweight.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.engine.Transformer;
import superweight.model.arch.LayerWeights;
import superweight.model.format.TestSafetensors;
import superweight.model.format.TestSafetensors.Raw;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attention biases follow config.json as in transformers: LlamaAttention (and Gemma's, OLMo's, OLMo 2's) builds
 * q/k/v/o with bias=config.attention_bias (default false), so stored biases are ignored (and listed as unused)
 * unless it is true; Qwen2Attention always has q/k/v biases and never an o_proj bias, MistralAttention none, and
 * GPTNeoXAttention follows the flag with true as its default.
 */
class AttentionBiasTest {
    private static final String[] PROJ = {"q", "k", "v", "o"};

    @TempDir
    Path tmp;

    /**
     * The fixture's reference logits were computed without attention biases: ignored ones must leave them as they are.
     * llama and olmo say attention_bias false, "llama absent" drops the key (the default, false, applies), and
     * Mistral has no attention biases even when the config says true.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"llama, false", "llama, absent", "mistral, true", "olmo, false"})
    void storedBiasesAreIgnoredUnlessAttentionBiasIsTrue(String arch, String flag) throws Exception {
        Path src = Fixtures.arch(arch);
        String config = Files.readString(src.resolve("config.json"));
        assertThat(config.contains("\"attention_bias\": false")).isEqualTo(!arch.equals("mistral"));
        config = switch (flag) {
            case "absent" -> config.replace("\"attention_bias\": false,", "");
            case "true" -> config.replace("\"model_type\"", "\"attention_bias\": true, \"model_type\"");
            default -> config;
        };
        assertThat(config.contains("attention_bias")).isEqualTo(!flag.equals("absent"));
        Path dir = copyWithBiases(arch, config, 0, PROJ);
        Model m = ModelLoader.load(dir);
        try {
            LayerWeights w = m.layers().get(0);
            assertThat(new Object[]{w.qBias(), w.kBias(), w.vBias(), w.oBias()}).containsOnlyNulls();
            assertThat(ModelLoader.unusedTensors(m)).containsExactlyInAnyOrder(biasNames(0, PROJ));
            assertThat(maxDiffToReference(m, src)).isLessThanOrEqualTo(1e-4f);
        } finally {
            m.checkpoint().close();
        }
    }

    /** With attention_bias: true each stored bias is read into its own projection (distinct values per projection). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "olmo"})
    void withAttentionBiasTrueEachBiasIsRead(String arch) throws Exception {
        Path src = Fixtures.arch(arch);
        String config = Files.readString(src.resolve("config.json")).replace("\"attention_bias\": false", "\"attention_bias\": true");
        Model m = ModelLoader.load(copyWithBiases(arch, config, 1, PROJ));
        try {
            LayerWeights w = m.layers().get(1);
            int kv = m.config().kvDim(), q = m.config().qDim(), hidden = m.config().hiddenSize();
            assertThat(w.qBias()).hasSize(q).startsWith(0.5f, 1.5f).endsWith(q - 0.5f);
            assertThat(w.kBias()).hasSize(kv).startsWith(1000.5f, 1001.5f).endsWith(1000 + kv - 0.5f);
            assertThat(w.vBias()).hasSize(kv).startsWith(2000.5f, 2001.5f).endsWith(2000 + kv - 0.5f);
            assertThat(w.oBias()).hasSize(hidden).startsWith(3000.5f, 3001.5f).endsWith(3000 + hidden - 0.5f);
            assertThat(m.layers().get(0).qBias()).isNull();   // layer 0 has none stored
            assertThat(ModelLoader.unusedTensors(m)).isEmpty();
        } finally {
            m.checkpoint().close();
        }
    }

    /**
     * Qwen2 ignores the flag: its q/k/v biases (stored in the fixture) are read even with attention_bias: false, and
     * a stored o_proj bias is ignored even with attention_bias: true (the reference logits do not move).
     */
    @ParameterizedTest(name = "attention_bias {0}")
    @ValueSource(booleans = {false, true})
    void qwen2HasQkvBiasesAndNoOutputBiasWhateverTheFlag(boolean flag) throws Exception {
        Path src = Fixtures.arch("qwen2");
        String config = Files.readString(src.resolve("config.json"));
        assertThat(config).doesNotContain("attention_bias");
        config = config.replace("\"model_type\": \"qwen2\",", "\"attention_bias\": " + flag + ", \"model_type\": \"qwen2\",");
        Path dir = copyWithBiases("qwen2", config, 2, "o");
        Map<String, Raw> stored = TestSafetensors.read(src.resolve("model.safetensors"));
        Model m = ModelLoader.load(dir);
        try {
            LayerWeights w = m.layers().get(2);
            assertThat(w.qBias()).containsExactly(floats(stored.get("model.layers.2.self_attn.q_proj.bias")));
            assertThat(w.kBias()).containsExactly(floats(stored.get("model.layers.2.self_attn.k_proj.bias")));
            assertThat(w.vBias()).containsExactly(floats(stored.get("model.layers.2.self_attn.v_proj.bias")));
            assertThat(w.oBias()).isNull();
            assertThat(ModelLoader.unusedTensors(m)).containsExactly("model.layers.2.self_attn.o_proj.bias");
            assertThat(maxDiffToReference(m, src)).isLessThanOrEqualTo(1e-4f);
        } finally {
            m.checkpoint().close();
        }
    }

    /** GPT-NeoX reads attention_bias too, true by default: with false its fused qkv and dense biases are ignored. */
    @Test
    void gptNeoxAttentionBiasesFollowTheFlag() throws Exception {
        Path src = Fixtures.arch("gpt_neox");
        String config = Files.readString(src.resolve("config.json"));
        assertThat(config).contains("\"attention_bias\": true");
        Path off = write("neox-off", config.replace("\"attention_bias\": true", "\"attention_bias\": false"),
                TestSafetensors.read(src.resolve("model.safetensors")), Map.of());
        Model m = ModelLoader.load(off);
        try {
            for (LayerWeights w : m.layers()) assertThat(new Object[]{w.qBias(), w.kBias(), w.vBias(), w.oBias()}).containsOnlyNulls();
            assertThat(ModelLoader.unusedTensors(m)).contains("gpt_neox.layers.0.attention.query_key_value.bias",
                    "gpt_neox.layers.0.attention.dense.bias").hasSize(2 * 3);
        } finally {
            m.checkpoint().close();
        }
        // absent means true (Pythia's configs predate the key): the fixture's logits come out with every bias read
        Path absent = write("neox-absent", config.replace("\"attention_bias\": true,", ""),
                TestSafetensors.read(src.resolve("model.safetensors")), Map.of());
        Model d = ModelLoader.load(absent);
        try {
            assertThat(d.layers().get(2).oBias()).isNotNull();
            assertThat(maxDiffToReference(d, src)).isLessThanOrEqualTo(1e-4f);
        } finally {
            d.checkpoint().close();
        }
    }

    /** An exported model with attention biases says attention_bias: true, so that transformers (and this loader) read them. */
    @Test
    void exportWritesAttentionBiasTrueWhenTheModelHasThem() throws Exception {
        Path src = Fixtures.arch("llama");
        String config = Files.readString(src.resolve("config.json")).replace("\"attention_bias\": false", "\"attention_bias\": true");
        Path out = tmp.resolve("exported");
        Model m = ModelLoader.load(copyWithBiases("llama", config, 1, PROJ));
        try {
            superweight.export.ModelExport.toHuggingFace(m, out, "F32", Long.MAX_VALUE);
        } finally {
            m.checkpoint().close();
        }
        assertThat(Fixtures.json(out.resolve("config.json")).path("attention_bias").asBoolean(false)).isTrue();
        Model back = ModelLoader.load(out);
        try {
            assertThat(back.layers().get(1).oBias()).startsWith(3000.5f);
            assertThat(ModelLoader.unusedTensors(back)).isEmpty();
        } finally {
            back.checkpoint().close();
        }
    }

    /**
     * A read v bias acts where transformers adds it: the softmax weights of every query sum to one, so adding b to
     * every value row adds exactly b to each head's attention output, and o_proj then adds W_o * b. A model with a
     * v bias b must therefore give the logits of the same model with no v bias and an o bias W_o * b (b repeated for
     * the query heads sharing each KV head), computed here from the stored o_proj weights.
     */
    @Test
    void aValueBiasEqualsTheOutputBiasItProjectsTo() throws Exception {
        Path src = Fixtures.arch("llama");
        String config = Files.readString(src.resolve("config.json")).replace("\"attention_bias\": false", "\"attention_bias\": true");
        Map<String, Raw> tensors = TestSafetensors.read(src.resolve("model.safetensors"));
        int hidden = 64, heads = 4, kvHeads = 2, headDim = 16, layer = 1;   // config.json
        float[] vBias = new float[kvHeads * headDim];
        for (int i = 0; i < vBias.length; i++) vBias[i] = 0.3f * (float) Math.sin(i + 1);
        float[] wo = floats(tensors.get("model.layers." + layer + ".self_attn.o_proj.weight"));   // [hidden][heads * headDim]
        float[] oBias = new float[hidden];
        for (int r = 0; r < hidden; r++) {
            double s = 0;
            for (int h = 0; h < heads; h++) {
                int kvHead = h / (heads / kvHeads);
                for (int d = 0; d < headDim; d++) s += (double) wo[r * heads * headDim + h * headDim + d] * vBias[kvHead * headDim + d];
            }
            oBias[r] = (float) s;
        }
        String prefix = "model.layers." + layer + ".self_attn.";
        Path withV = write("v-bias", config, tensors, Map.of(prefix + "v_proj.bias", vBias));
        Path withO = write("o-bias", config, tensors, Map.of(prefix + "o_proj.bias", oBias));
        int[] tokens = Fixtures.ints(Fixtures.json(src.resolve("tokens.json")));
        float[] a = logits(withV, tokens), b = logits(withO, tokens);
        assertThat(Fixtures.maxAbsDiff(a, b)).isLessThanOrEqualTo(1e-4f);
        // and the bias matters: both differ from the bias-free reference
        assertThat(Fixtures.maxAbsDiff(a, Fixtures.floats(src.resolve("logits.f32")))).isGreaterThan(1e-2f);
    }

    private Path copyWithBiases(String arch, String config, int layer, String... projections) throws Exception {
        Path src = Fixtures.arch(arch);
        var tensors = TestSafetensors.read(src.resolve("model.safetensors"));
        Model shapes = ModelLoader.load(src);
        Map<String, float[]> biases = new LinkedHashMap<>();
        try {
            var c = shapes.config();
            for (String p : projections) {
                int n = switch (p) { case "q" -> c.qDim(); case "k", "v" -> c.kvDim(); default -> c.hiddenSize(); };
                float base = 1000 * "qkvo".indexOf(p);
                float[] b = new float[n];
                for (int i = 0; i < n; i++) b[i] = base + i + 0.5f;
                biases.put("model.layers." + layer + ".self_attn." + p + "_proj.bias", b);
            }
        } finally {
            shapes.checkpoint().close();
        }
        return write(arch + "-" + String.join("", projections), config, tensors, biases);
    }

    private Path write(String name, String config, Map<String, Raw> tensors, Map<String, float[]> extra) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("config.json"), config);
        var all = new LinkedHashMap<>(tensors);
        extra.forEach((n, v) -> {
            ByteBuffer bytes = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) bytes.putFloat(f);
            all.put(n, new Raw("F32", new long[]{v.length}, bytes.array()));
        });
        TestSafetensors.write(dir.resolve("model.safetensors"), all);
        return dir;
    }

    private static String[] biasNames(int layer, String... projections) {
        String[] names = new String[projections.length];
        for (int i = 0; i < names.length; i++) names[i] = "model.layers." + layer + ".self_attn." + projections[i] + "_proj.bias";
        return names;
    }

    private static float[] floats(Raw r) {
        assertThat(r.dtype()).isEqualTo("F32");
        float[] v = new float[r.data().length / 4];
        ByteBuffer.wrap(r.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    private static float[] logits(Path dir, int[] tokens) {
        Model m = ModelLoader.load(dir);
        try {
            return new Transformer(m).logits(tokens);
        } finally {
            m.checkpoint().close();
        }
    }

    private static float maxDiffToReference(Model m, Path src) {
        int[] tokens = Fixtures.ints(Fixtures.json(src.resolve("tokens.json")));
        return Fixtures.maxAbsDiff(new Transformer(m).logits(tokens), Fixtures.floats(src.resolve("logits.f32")));
    }
}
