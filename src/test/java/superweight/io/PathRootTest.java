package superweight.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathRootTest {
    @TempDir
    Path tmp;

    @Test
    void plainNamesResolveInsideTheFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Path source = dir.resolve("index.json");
        PathRoot root = PathRoot.of(dir);
        assertThat(root.resolve("model-00001-of-00002.safetensors", source, "weight_map"))
                .isEqualTo(dir.toRealPath().resolve("model-00001-of-00002.safetensors"));
        assertThat(root.resolve("sub/./x.bin", source, "f")).isEqualTo(dir.toRealPath().resolve("sub/x.bin"));
    }

    @Test
    void escapesAreRefusedWithFileAndField() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Path source = dir.resolve("model.safetensors.index.json");
        PathRoot root = PathRoot.of(dir);
        for (String bad : new String[]{"../../../etc/passwd", "/etc/passwd", "a/../../b", "..", "", "a\0b", "sub\\..\\..\\x"}) {
            assertThatThrownBy(() -> root.resolve(bad, source, "weight_map"))
                    .as(bad).isInstanceOf(SuperweightException.class)
                    .hasMessageStartingWith(source + ": weight_map names");
        }
    }

    @Test
    void aLinkLeadingOutsideIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "x");
        Files.createSymbolicLink(dir.resolve("shard.safetensors"), outside);
        assertThatThrownBy(() -> PathRoot.of(dir).resolve("shard.safetensors", dir.resolve("index.json"), "weight_map"))
                .hasMessageContaining("a link that leads outside");
    }

    @Test
    void cacheSnapshotsMayLinkIntoTheirBlobs() throws Exception {
        Path repo = tmp.resolve("models--org--name");
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path snapshot = Files.createDirectories(repo.resolve("snapshots/0123abc"));
        Files.writeString(blobs.resolve("deadbeef"), "weights");
        Files.createSymbolicLink(snapshot.resolve("model.safetensors"), Path.of("../../blobs/deadbeef"));
        Path other = Files.createDirectories(tmp.resolve("models--evil--repo/blobs"));
        Files.writeString(other.resolve("x"), "x");
        Files.createSymbolicLink(snapshot.resolve("stolen.safetensors"), Path.of("../../../models--evil--repo/blobs/x"));
        PathRoot root = PathRoot.forModelFolder(snapshot);
        assertThat(root.root()).isEqualTo(repo.toRealPath());
        assertThat(root.resolve("model.safetensors", snapshot.resolve("index.json"), "weight_map"))
                .isEqualTo(snapshot.toRealPath().resolve("model.safetensors"));
        assertThatThrownBy(() -> root.resolve("stolen.safetensors", snapshot.resolve("index.json"), "weight_map"))
                .hasMessageContaining("a link that leads outside");
    }
}
