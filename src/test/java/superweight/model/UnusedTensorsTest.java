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
}
