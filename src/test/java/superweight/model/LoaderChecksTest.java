package superweight.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.arch.ConfigLimits;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;
import superweight.model.format.TestOnnx;
import superweight.model.format.TestSafetensors;
import superweight.model.format.TestSafetensors.Raw;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loader's refusals and bookkeeping outside the shape checks: each one named, with the file, in one line. */
class LoaderChecksTest {
    @TempDir
    Path tmp;

    /** Buffers transformers saved in older checkpoints are not weights: never reported as unused, unlike a real unknown tensor. */
    @Test
    void savedBuffersAndATiedHeadAreNotReportedAsUnused() throws Exception {
        Path neox = copy("gpt_neox", Map.of(
                "gpt_neox.layers.0.attention.bias", raw(new long[]{1, 1, 4, 4}),          // the causal mask buffer
                "gpt_neox.layers.0.attention.masked_bias", raw(new long[]{1}),
                "gpt_neox.layers.0.attention.rotary_emb.inv_freq", raw(new long[]{2}),
                "gpt_neox.layers.0.attention.sinks", raw(new long[]{4})));             // not a buffer: reported
        assertThat(unused(neox)).containsExactly("gpt_neox.layers.0.attention.sinks");
        Path bert = copy("bert", Map.of("embeddings.position_ids", raw(new long[]{1, 64})));
        assertThat(unused(bert)).isEmpty();
        // qwen2 is tied (tie_word_embeddings true): a stored lm_head is the embedding table again, not a lost head
        Path qwen2 = copy("qwen2", Map.of("lm_head.weight", raw(new long[]{320, 64})));
        assertThat(unused(qwen2)).isEmpty();
    }

    /** A norm vector is copied to the heap: one larger than any norm (2^20 values) is refused before the copy. */
    @Test
    void aVectorTensorLargerThanAnyNormIsRefusedBeforeItIsCopied() throws Exception {
        int cap = ConfigLimits.MAX_INTERMEDIATE;
        Path over = copy("llama", Map.of("model.norm.weight", raw(new long[]{cap + 1})));
        assertThatThrownBy(() -> ModelLoader.load(over)).isInstanceOf(SuperweightException.class)
                .hasMessage(over + ": vector tensor model.norm.weight has " + (cap + 1)
                        + " values, more than any norm or table");
        // at the cap it is read, then refused by the shape check against the config
        Path at = copy("llama", Map.of("model.norm.weight", raw(new long[]{cap})));
        assertThatThrownBy(() -> ModelLoader.load(at))
                .hasMessage(at + ": final norm has " + cap + " values, expected 64 for this config");
    }

    /** transformers refuses a norm weight stored with another shape ("size mismatch"); so does the loader, by name. */
    @Test
    void aVectorStoredAsAMatrixIsRefused() throws Exception {
        Path dir = copy("llama", Map.of("model.norm.weight", raw(new long[]{2, 32})));
        assertThatThrownBy(() -> ModelLoader.load(dir))
                .hasMessage(dir + ": tensor model.norm.weight has 2 rows of 32 values, expected one vector");
    }

    @Test
    void aHuggingFaceCheckpointNeedsAConfigWithAModelType() throws Exception {
        Path bare = Files.createDirectories(tmp.resolve("bare"));
        Files.copy(Fixtures.arch("llama").resolve("model.safetensors"), bare.resolve("model.safetensors"));
        assertThatThrownBy(() -> ModelLoader.load(bare)).isInstanceOf(SuperweightException.class)
                .hasMessage(bare + ": no config.json beside the weights");
        Files.writeString(bare.resolve("config.json"), Files.readString(Fixtures.arch("llama").resolve("config.json"))
                .replace("\"model_type\": \"llama\",", ""));
        assertThatThrownBy(() -> ModelLoader.load(bare)).hasMessage(bare.resolve("config.json") + ": no model_type");
    }

    /**
     * The vocabulary cap (2^22 rows) is checked on the GGUF embedding table before anything is sized from it. F16
     * tables one value wide keep the files at 8 MiB; at the cap the table is accepted and then refused by the shape
     * check (64 columns expected), above it by the cap.
     */
    @Test
    void aGgufVocabularyAboveTheCapIsRefusedBeforeTheConfig() throws Exception {
        int cap = ConfigLimits.MAX_VOCAB;
        Path over = withEmbeddingRows(cap + 1);
        assertThatThrownBy(() -> ModelLoader.load(over)).isInstanceOf(SuperweightException.class)
                .hasMessage(over + ": token_embd.weight has " + (cap + 1) + " rows, more than the vocabulary cap " + cap);
        Path at = withEmbeddingRows(cap);
        assertThatThrownBy(() -> ModelLoader.load(at))
                .hasMessage(at + ": tensor token_embd.weight has shape [" + cap + ", 1], expected [" + cap + ", 64] for this config");
    }

    private Path withEmbeddingRows(int rows) {
        Path out = tmp.resolve("vocab-" + rows + ".gguf");
        try (GgufFile g = GgufFile.open(Fixtures.arch("llama").resolve("model-f32.gguf"))) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            for (var t : g.tensors().values()) {
                if (!t.name().equals("token_embd.weight")) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(ValueLayout.JAVA_BYTE));
            }
            w.tensor("token_embd.weight", new long[]{1, rows}, 1, new byte[2 * rows]);   // ggml type 1 = F16
            w.write(out);
        }
        return out;
    }

    /**
     * The fixture BERT uses token type 0 only: a table with that one row gives the reference hidden state; an empty
     * table, or one with the wrong width, is refused.
     */
    @Test
    void tokenTypeTablesNeedOneRowOfTheHiddenWidth() throws Exception {
        Path bert = Fixtures.arch("bert");
        Raw types = TestSafetensors.read(bert.resolve("model.safetensors")).get("embeddings.token_type_embeddings.weight");
        assertThat(types.shape()).containsExactly(2, 64);
        Path one = copy("bert", Map.of("embeddings.token_type_embeddings.weight",
                new Raw("F32", new long[]{1, 64}, Arrays.copyOf(types.data(), 64 * 4))));
        Model m = ModelLoader.load(one);
        try {
            float[] hidden = new superweight.engine.Encoder(m).hiddenStates(Fixtures.ints(Fixtures.json(bert.resolve("tokens.json"))));
            assertThat(Fixtures.maxAbsDiff(hidden, Fixtures.floats(bert.resolve("hidden.f32")))).isLessThanOrEqualTo(1e-4f);
        } finally {
            m.checkpoint().close();
        }
        Path empty = copy("bert", Map.of("embeddings.token_type_embeddings.weight", raw(new long[]{0, 64})));
        assertThatThrownBy(() -> ModelLoader.load(empty)).hasMessage(empty + ": token type embeddings are empty");
        Path narrow = copy("bert", Map.of("embeddings.token_type_embeddings.weight", raw(new long[]{2, 63})));
        assertThatThrownBy(() -> ModelLoader.load(narrow)).hasMessage(narrow
                + ": tensor embeddings.token_type_embeddings.weight has shape [2, 63], expected [2, 64] for this config");
    }

    /**
     * RoBERTa's positions start at pad_token_id + 1 (1 with the fixture's pad id 0): max_position_embeddings 64 leaves
     * 63 usable positions, read from rows 1..63, so a table of 63 rows is one short.
     */
    @Test
    void aRobertaPositionTableMustCoverTheOffsetPositions() throws Exception {
        Path dir = copy("bert", Map.of("embeddings.position_embeddings.weight", raw(new long[]{63, 64})));
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"model_type\": \"bert\"", "\"model_type\": \"roberta\""));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessage(dir + ": position embeddings embeddings.position_embeddings.weight"
                + " have shape [63, 64], expected at least [64, 64] for this config");
    }

    /** transformers gives Mistral, Qwen2, Gemma and OLMo 2 no MLP biases whatever mlp_bias says: stored ones are ignored. */
    @Test
    void mistralIgnoresMlpBiasesEvenWithMlpBiasTrue() throws Exception {
        Path dir = copy("mistral", Map.of("model.layers.0.mlp.down_proj.bias", raw(new long[]{64}),
                "model.layers.0.mlp.up_proj.bias", raw(new long[]{160})));
        String config = Files.readString(dir.resolve("config.json")).replace("\"model_type\"", "\"mlp_bias\": true, \"model_type\"");
        Files.writeString(dir.resolve("config.json"), config);
        Model m = ModelLoader.load(dir);
        try {
            assertThat(m.layers().get(0).downBias()).isNull();
            assertThat(m.layers().get(0).upBias()).isNull();
            assertThat(ModelLoader.unusedTensors(m)).containsExactlyInAnyOrder("model.layers.0.mlp.down_proj.bias",
                    "model.layers.0.mlp.up_proj.bias");
        } finally {
            m.checkpoint().close();
        }
    }

    /** llama.cpp has no gate bias either (ffn_gate_b exists for few architectures): refused, not dropped. */
    @Test
    void aGgufGateBiasIsRefused() throws Exception {
        Path out = tmp.resolve("gate-bias.gguf");
        try (GgufFile g = GgufFile.open(Fixtures.arch("llama").resolve("model-f32.gguf"))) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            for (var t : g.tensors().values()) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(ValueLayout.JAVA_BYTE));
            w.tensor("blk.1.ffn_gate.bias", new long[]{176}, 0, new byte[176 * 4]);
            w.write(out);
        }
        assertThatThrownBy(() -> ModelLoader.load(out)).isInstanceOf(SuperweightException.class)
                .hasMessage(out + ": tensor blk.1.ffn_gate.bias is not supported");
        // a refused file is closed again: its mapping is gone (Linux lists every mapped file in /proc/self/maps)
        Path maps = Path.of("/proc/self/maps");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(maps));
        assertThat(Files.readString(maps)).doesNotContain(out.toString());
        try (GgufFile open = GgufFile.open(out)) {
            assertThat(Files.readString(maps)).as("an open file is listed").contains(out.toString());
        }
    }

    /** A GGUF BERT marked causal (bert.attention.causal true) is not the bidirectional encoder this reads: refused. */
    @Test
    void aCausalGgufBertIsRefused() throws Exception {
        Path out = tmp.resolve("causal-bert.gguf");
        try (GgufFile g = GgufFile.open(Fixtures.arch("bert").resolve("model-f32.gguf"))) {
            assertThat(g.getBoolean("bert.attention.causal")).isFalse();
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            w.put("bert.attention.causal", true);
            for (var t : g.tensors().values()) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(ValueLayout.JAVA_BYTE));
            w.write(out);
        }
        assertThatThrownBy(() -> ModelLoader.load(out))
                .hasMessage(out + ": bert.attention.causal is true; only bidirectional encoders are supported");
    }

    /** ONNX graphs are read as BERT-family encoders only; a decoder's config.json beside one is refused by name. */
    @Test
    void anOnnxFileOfADecoderIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("onnx"));
        Path f = dir.resolve("model.onnx");
        Files.write(f, TestOnnx.model(
                List.of(TestOnnx.node("MatMul", "/dense/MatMul", List.of("x", "onnx::MatMul_7"), List.of("mm")),
                        TestOnnx.node("Add", "/dense/Add", List.of("dense.bias", "mm"), List.of("y"))),
                List.of(TestOnnx.tensor("onnx::MatMul_7", new long[]{3, 2}, new float[]{1, 4, 2, 5, 3, 6}),
                        TestOnnx.tensor("dense.bias", new long[]{2}, new float[]{0.5f, -0.5f}))));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        assertThatThrownBy(() -> ModelLoader.load(f)).isInstanceOf(SuperweightException.class)
                .hasMessage(f + ": ONNX exports are read for BERT-family encoders only, not llama");
    }

    private Path copy(String arch, Map<String, Raw> replaced) throws Exception {
        Path src = Fixtures.arch(arch);
        Path dir = Files.createDirectories(tmp.resolve(arch + "-" + System.nanoTime()));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        var tensors = new LinkedHashMap<>(TestSafetensors.read(src.resolve("model.safetensors")));
        tensors.putAll(replaced);
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        return dir;
    }

    private static Raw raw(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return new Raw("F32", shape, new byte[(int) (4 * n)]);
    }

    private static List<String> unused(Path dir) {
        Model m = ModelLoader.load(dir);
        try {
            return ModelLoader.unusedTensors(m);
        } finally {
            m.checkpoint().close();
        }
    }
}
