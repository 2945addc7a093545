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
