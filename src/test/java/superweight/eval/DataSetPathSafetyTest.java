package superweight.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A data set snapshot in the hub cache may link into its own blobs, never to a file outside its repository. */
class DataSetPathSafetyTest {
    @Test
    void snapshotLinkLeadingOutsideTheRepositoryIsRefused(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.jsonl"), "{\"text\": \"private words\"}\n");
        Path data = Files.createDirectories(dir.resolve("datasets--EleutherAI--lambada_openai/snapshots/rev1/data"));
        Files.createSymbolicLink(data.resolve("lambada_test.jsonl"), secret);
        assertThatThrownBy(() -> Tasks.documents(Tasks.get("lambada_openai"), new DataDirs(dir.resolve("empty"), dir)))
                .isInstanceOf(SuperweightException.class)
                .hasMessageContaining("snapshots/rev1: data file names \"data/lambada_test.jsonl\", a link that leads outside")
                .hasMessageNotContaining("\n");
    }
}
