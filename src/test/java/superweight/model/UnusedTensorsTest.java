package superweight.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.Fixtures;
import superweight.model.format.TestSafetensors;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Loading uses every tensor of a supported checkpoint; a tensor the loader does not know is reported, not lost. */
class UnusedTensorsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "llama, model.safetensors", "llama, model-f32.gguf", "mistral, model.safetensors", "mistral, model-f32.gguf",
            "qwen2, model.safetensors", "qwen2, model-f32.gguf", "phi3, model.safetensors", "phi3, model-f32.gguf",
            "olmo, model.safetensors", "olmo, model-f32.gguf", "olmo2, model.safetensors", "olmo2, model-f32.gguf",
            "gemma, model.safetensors", "gemma, model-f32.gguf", "gpt_neox, model.safetensors", "gpt_neox, model-f32.gguf"})
    void everyFixtureTensorIsUsed(String arch, String file) {
        Model m = ModelLoader.load(Fixtures.arch(arch).resolve(file));
        try {
            assertThat(ModelLoader.unusedTensors(m)).isEmpty();
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void anUnknownTensorIsReported() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Path llama = Fixtures.arch("llama");
        Files.copy(llama.resolve("config.json"), dir.resolve("config.json"));
        var tensors = new java.util.LinkedHashMap<>(TestSafetensors.read(llama.resolve("model.safetensors")));
        tensors.put("model.layers.0.self_attn.sinks", new TestSafetensors.Raw("F32", new long[]{4}, new byte[16]));
        tensors.put("model.layers.0.self_attn.rotary_emb.inv_freq", new TestSafetensors.Raw("F32", new long[]{8}, new byte[32]));
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        Model m = ModelLoader.load(dir);
        try {
            assertThat(ModelLoader.unusedTensors(m)).containsExactly("model.layers.0.self_attn.sinks");
        } finally {
            m.checkpoint().close();
        }
    }

    /**
     * transformers builds the llama MLP with bias=config.mlp_bias (false by default) and ignores a stored
     * down_proj.bias (and up_proj.bias) then: the reference logits (computed by transformers without that tensor) must still come out,
     * and the tensor is reported unused. With mlp_bias: true both biases are read.
     */
    @ParameterizedTest(name = "mlp_bias {0}")
    @CsvSource({"false", "true"})
    void aDownProjBiasFollowsConfigMlpBias(boolean mlpBias) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bias-" + mlpBias));
        Path llama = Fixtures.arch("llama");
        String config = Files.readString(llama.resolve("config.json"));
        assertThat(config).contains("\"mlp_bias\": false");   // the fixture says so explicitly, as transformers writes it
        if (mlpBias) config = config.replace("\"mlp_bias\": false", "\"mlp_bias\": true");
        Files.writeString(dir.resolve("config.json"), config);
        var tensors = new java.util.LinkedHashMap<>(TestSafetensors.read(llama.resolve("model.safetensors")));
        int hidden = 64;
        var bias = java.nio.ByteBuffer.allocate(4 * hidden).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < hidden; i++) bias.putFloat(0.5f + i);
        tensors.put("model.layers.0.mlp.down_proj.bias", new TestSafetensors.Raw("F32", new long[]{hidden}, bias.array()));
        int intermediate = 176;
        var upBias = java.nio.ByteBuffer.allocate(4 * intermediate).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < intermediate; i++) upBias.putFloat(-i);
        tensors.put("model.layers.0.mlp.up_proj.bias", new TestSafetensors.Raw("F32", new long[]{intermediate}, upBias.array()));
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        Model m = ModelLoader.load(dir);
        try {
            float[] downBias = m.layers().get(0).downBias();
            if (mlpBias) {
                assertThat(ModelLoader.unusedTensors(m)).isEmpty();
                assertThat(downBias).hasSize(hidden).startsWith(0.5f, 1.5f, 2.5f).endsWith(63.5f);
                assertThat(m.layers().get(0).upBias()).hasSize(intermediate).startsWith(0f, -1f).endsWith(-175f);
            } else {
                assertThat(ModelLoader.unusedTensors(m)).containsExactlyInAnyOrder("model.layers.0.mlp.down_proj.bias",
                        "model.layers.0.mlp.up_proj.bias");
                assertThat(downBias).isNull();
                assertThat(m.layers().get(0).upBias()).isNull();
                float[] logits = new superweight.engine.Transformer(m).logits(Fixtures.ints(Fixtures.json(llama.resolve("tokens.json"))));
                assertThat(Fixtures.maxAbsDiff(logits, Fixtures.floats(llama.resolve("logits.f32")))).isLessThanOrEqualTo(1e-4f);
            }
        } finally {
            m.checkpoint().close();
        }
    }
}
