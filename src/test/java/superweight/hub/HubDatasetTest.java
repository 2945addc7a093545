package superweight.hub;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;
import superweight.eval.DataDirs;
import superweight.eval.DatasetPin;
import superweight.eval.Tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Data sets by Hub id against {@link FakeHub} serving a data set repository (no test here touches the network). */
class HubDatasetTest {
    @TempDir
    Path tmp;

    /** A Parquet file of {@code rows} records {"text": "passage k ..."} (large enough to travel as an LFS file), written by DuckDB. */
    static byte[] parquet(Path dir, String column, int rows) throws Exception {
        Path f = dir.resolve("made-" + column + ".parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT 'passage ' || i || ' of a text about ' || md5(i::VARCHAR) || ' and then the last word w' || i AS " + column
                    + " FROM range(" + rows + ") t(i)) TO '" + f + "' (FORMAT PARQUET)");
        }
        return Files.readAllBytes(f);
    }

    HubSettings settings(FakeHub fake) {
        return new HubSettings(fake.endpoint(), tmp.resolve("hub"), null, false, (name, size, resumed) -> new DownloadProgress.Transfer() {
            @Override
            public void add(long bytes) {
            }

            @Override
            public void close() {
            }
        });
    }

    @Test
    void aPinnedParquetConversionFileLandsInTheDatasetsCacheAndTheTaskReadsIt() throws Exception {
        DatasetPin pin = DatasetPin.of("lambada_openai").orElseThrow();
        byte[] content = parquet(tmp, "text", 400);
        assertThat(content.length).isGreaterThan(FakeHub.LFS_THRESHOLD);
        try (FakeHub fake = new FakeHub(pin.repo())) {
            fake.type = "datasets";
            fake.files.put(pin.file(), content);
            fake.files.put("README.md", "# lambada".getBytes());
            Path f = new Hub(settings(fake)).dataset(pin.repo(), pin.revision(), pin.file(), pin.sha256());

            // huggingface_hub's layout: datasets--org--name, a relative link into blobs/<sha256>, refs/<revision> with the commit
            Path repoDir = tmp.resolve("hub/datasets--EleutherAI--lambada_openai");
            assertThat(f).isEqualTo(repoDir.resolve("snapshots/" + FakeHub.COMMIT + "/default/test/0000.parquet"));
            assertThat(Files.readSymbolicLink(f).toString()).isEqualTo("../../../../blobs/" + FakeHub.sha256(content));
            assertThat(Files.readAllBytes(f)).isEqualTo(content);
            assertThat(Files.readString(repoDir.resolve("refs/refs/convert/parquet"))).isEqualTo(FakeHub.COMMIT);
            // the revision goes to the API as one quoted path segment, as huggingface_hub sends it; only the pinned file is fetched
            assertThat(fake.requests("hub", "GET").getFirst().rawPath())
                    .isEqualTo("/api/datasets/EleutherAI/lambada_openai/revision/refs%2Fconvert%2Fparquet");
            assertThat(fake.requests("cdn", "GET")).hasSize(1);
            assertThat(Files.exists(repoDir.resolve("snapshots/" + FakeHub.COMMIT + "/README.md"))).isFalse();

            // the eval package finds it through the hub cache with an empty data directory
            List<JsonNode> docs = Tasks.documents(Tasks.get("lambada_openai"), new DataDirs(Files.createDirectories(tmp.resolve("no-data")), tmp.resolve("hub")));
            assertThat(docs).hasSize(400);
            assertThat(docs.get(7).get("text").asText()).startsWith("passage 7 of a text about").endsWith("last word w7");

            // a second run downloads nothing again
            new Hub(settings(fake)).dataset(pin.repo(), pin.revision(), pin.file(), pin.sha256());
            assertThat(fake.requests("cdn", "GET")).hasSize(1);

            // offline: the cache answers, the Hub is not asked; a file not in the cache is one clear error
            int before = fake.requests.size();
            assertThat(new Hub(settings(fake).withOffline(true)).dataset(pin.repo(), pin.revision(), pin.file(), null)).isEqualTo(f);
            assertThat(fake.requests).hasSize(before);
            assertThatThrownBy(() -> new Hub(settings(fake).withOffline(true)).dataset(pin.repo(), pin.revision(), "default/validation/0000.parquet", null))
                    .isInstanceOf(SuperweightException.class).hasMessageContaining("HF_HUB_OFFLINE is set and the file is not in the cache");
        }
    }

    @Test
    void aTaskWhosePinIsOutsideItsUsualGlobsIsStillFound() throws Exception {
        // wikitext's parquet conversion file wikitext-2-raw-v1/test/0000.parquet: found through the pin appended to the task's sources
        DatasetPin pin = DatasetPin.of("wikitext").orElseThrow();
        try (FakeHub fake = new FakeHub(pin.repo())) {
            fake.type = "datasets";
            fake.files.put(pin.file(), parquet(tmp, "page", 3));
            new Hub(settings(fake)).dataset(pin.repo(), pin.revision(), pin.file(), pin.sha256());
        }
        List<JsonNode> docs = Tasks.documents(Tasks.get("wikitext"), new DataDirs(Files.createDirectories(tmp.resolve("no-data")), tmp.resolve("hub")));
        assertThat(docs).hasSize(3);
        assertThat(docs.get(2).get("page").asText()).startsWith("passage 2");
    }

    @Test
    void contentOtherThanThePinnedSha256IsRefusedBeforeDownloading() throws Exception {
        DatasetPin pin = DatasetPin.of("arc_easy").orElseThrow();
        assertThat(pin.sha256()).hasSize(64);
        try (FakeHub fake = new FakeHub(pin.repo())) {
            fake.type = "datasets";
            fake.commit = pin.revision();
            fake.files.put(pin.file(), parquet(tmp, "question", 400));   // not AI2's file: another SHA-256
            assertThatThrownBy(() -> new Hub(settings(fake)).dataset(pin.repo(), pin.revision(), pin.file(), pin.sha256()))
                    .isInstanceOf(SuperweightException.class).hasMessageContaining("the pinned SHA-256 is " + pin.sha256()).hasMessageContaining("nothing downloaded");
            assertThat(fake.requests("cdn", "GET")).isEmpty();
            assertThat(blobs()).isEmpty();
        }
    }

    @Test
    void aTransferThatDoesNotMatchItsAnnouncedChecksumIsRefusedAndNotCached() throws Exception {
        DatasetPin pin = DatasetPin.of("lambada_openai").orElseThrow();
        try (FakeHub fake = new FakeHub(pin.repo())) {
            fake.type = "datasets";
            byte[] content = parquet(tmp, "text", 400), bad = content.clone();
            bad[bad.length / 2] ^= 1;
            fake.files.put(pin.file(), content);
            fake.corrupt.put(pin.file(), bad);
            assertThatThrownBy(() -> new Hub(settings(fake)).dataset(pin.repo(), pin.revision(), pin.file(), null))
                    .isInstanceOf(SuperweightException.class).hasMessageContaining("SHA-256");
            assertThat(blobs()).isEmpty();
            assertThat(Files.exists(tmp.resolve("hub/datasets--EleutherAI--lambada_openai/snapshots/" + FakeHub.COMMIT + "/" + pin.file()))).isFalse();
        }
    }

    @Test
    void aDataSetIdMustBeOrgSlashName() {
        assertThatThrownBy(() -> RepoRef.dataset("../x", "main", "f")).isInstanceOf(SuperweightException.class);
        assertThat(RepoRef.dataset("allenai/ai2_arc", "main", "f").folderName()).isEqualTo("datasets--allenai--ai2_arc");
        assertThat(RepoRef.parse("allenai/OLMo-1B-0724-hf").folderName()).isEqualTo("models--allenai--OLMo-1B-0724-hf");
    }

    /** Every complete blob of every repository in the cache (partial .incomplete files excluded). */
    private List<Path> blobs() throws Exception {
        Path hub = tmp.resolve("hub");
        if (!Files.exists(hub)) return List.of();
        try (Stream<Path> s = Files.walk(hub)) {
            return s.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("blobs"))
                    .filter(Files::isRegularFile).toList();
        }
    }
}
