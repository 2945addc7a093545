package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.ModelLoader;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Names read from files never lead the loader outside the model's folder (or its cache repository). */
class PathSafetyTest {
    @TempDir
    Path tmp;

    @Test
    void shardIndexNamingAFileOutsideTheFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(Fixtures.arch("llama").resolve("config.json"), dir.resolve("config.json"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"weight_map\": {\"model.embed_tokens.weight\": \"../../../../../../etc/passwd\"}}");
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(SuperweightException.class)
                .hasMessage(index + ": weight_map names \"../../../../../../etc/passwd\", a '..' component; refusing to open it");
    }

    @Test
    void shardThatIsALinkOutsideTheFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(Fixtures.arch("llama").resolve("config.json"), dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("shard.safetensors"), Fixtures.arch("llama").resolve("model.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"model.embed_tokens.weight\": \"shard.safetensors\"}}");
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("weight_map names \"shard.safetensors\", a link that leads outside");
    }
}
