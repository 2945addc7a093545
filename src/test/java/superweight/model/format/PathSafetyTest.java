package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.ModelLoader;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
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

    @Test
    void cacheRefNamingAFolderOutsideTheSnapshots() throws Exception {
        Path hub = tmp.resolve("hub");
        Path repo = Files.createDirectories(hub.resolve("models--org--name"));
        Files.createDirectories(repo.resolve("snapshots/abc123"));
        Files.createDirectories(tmp.resolve("elsewhere"));
        Path ref = Files.createDirectories(repo.resolve("refs")).resolve("main");
        Files.writeString(ref, "abc123\n");
        assertThat(ModelPaths.cachedSnapshot(hub, "org/name")).isEqualTo(repo.resolve("snapshots/abc123").toRealPath());
        Files.writeString(ref, "../../../elsewhere\n");
        assertThatThrownBy(() -> ModelPaths.cachedSnapshot(hub, "org/name"))
                .hasMessage(ref + ": commit hash names \"../../../elsewhere\", a '..' component; refusing to open it");
        Files.writeString(ref, tmp.resolve("elsewhere") + "\n");
        assertThatThrownBy(() -> ModelPaths.cachedSnapshot(hub, "org/name")).hasMessageContaining("an absolute path");
    }
}
