package superweight.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ModelIdentityTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");

    @TempDir
    Path tmp;

    /** A Hugging Face folder in tmp: the planted weights (linked, not copied) and the given config.json text. */
    private Path folder(Path dir, String config) throws Exception {
        Files.createDirectories(dir);
        Files.createSymbolicLink(dir.resolve("model.safetensors"), PLANTED.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    private static String infer(Path p) {
        Model m = ModelLoader.load(p);
        try {
            return ModelIdentity.infer(m);
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void prefersConfigNameOrPath() throws Exception {
        String config = Files.readString(PLANTED.resolve("config.json")).replaceFirst("\\{", "{\"_name_or_path\": \"mistralai/Mistral-7B-v0.1\",");
        assertThat(infer(folder(tmp.resolve("anything"), config))).isEqualTo("mistralai/Mistral-7B-v0.1");
    }

    @Test
    void usesTheRepositoryOfAHubCachePath() throws Exception {
        Path dir = folder(tmp.resolve("models--allenai--OLMo-1B-0724-hf/snapshots/0123abc"), Files.readString(PLANTED.resolve("config.json")));
        assertThat(infer(dir)).isEqualTo("allenai/OLMo-1B-0724-hf");
        assertThat(Catalog.published().find(infer(dir))).isPresent();
    }

    @Test
    void fallsBackToTheGgufNameOrFileName() throws Exception {
        assertThat(infer(PLANTED.resolve("model-f32.gguf"))).isEqualTo("tiny random fixture");
        assertThat(infer(folder(tmp.resolve("my-llama"), Files.readString(PLANTED.resolve("config.json"))))).isEqualTo("my-llama");
    }
}
