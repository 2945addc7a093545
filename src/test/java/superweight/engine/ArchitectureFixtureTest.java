package superweight.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Every decoder fixture, from both formats, must reproduce the independent reference logits to 1e-4. */
class ArchitectureFixtureTest {
    static final float TOLERANCE = 1e-4f;

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({
            "llama, model.safetensors", "llama, model-f32.gguf", "llama, model-bf16", "llama, sharded",
            "mistral, model.safetensors", "mistral, model-f32.gguf",
            "qwen2, model.safetensors", "qwen2, model-f32.gguf",
            "phi3, model.safetensors", "phi3, model-f32.gguf",
            "olmo, model.safetensors", "olmo, model-f32.gguf",
            "olmo2, model.safetensors", "olmo2, model-f32.gguf",
            "gemma, model.safetensors", "gemma, model-f32.gguf",
            "gpt_neox, model.safetensors", "gpt_neox, model-f32.gguf",
    })
    void matchesReferenceLogits(String arch, String file) {
        Path dir = Fixtures.arch(arch);
        int[] tokens = Fixtures.ints(Fixtures.json(dir.resolve("tokens.json")));
        float[] expected = Fixtures.floats(dir.resolve("logits.f32"));
        try (var ignored = new Closer(ModelLoader.load(dir.resolve(file)))) {
            Model m = ignored.model;
            float[] logits = new Transformer(m).logits(tokens);
            assertThat(logits).hasSameSizeAs(expected);
            assertThat(Fixtures.maxAbsDiff(logits, expected)).as("max |logit - reference| for %s %s", arch, file)
                    .isLessThanOrEqualTo(TOLERANCE);
        }
    }

    record Closer(Model model) implements AutoCloseable {
        @Override
        public void close() {
            model.checkpoint().close();
        }
    }
}
