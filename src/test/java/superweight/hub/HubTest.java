package superweight.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.format.ModelPaths;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads against {@link FakeHub} on 127.0.0.1: no test here touches the network. */
class HubTest {
    private static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");
    private static final String REPO = "org/tiny";

    @TempDir
    Path tmp;
    private FakeHub fake;
    private final List<long[]> transfers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        fake = new FakeHub(REPO);
        for (String f : List.of("config.json", "model.safetensors", "README.md", "model-f32.gguf")) {
            fake.files.put(f, Files.readAllBytes(PLANTED.resolve(f)));
        }
        fake.files.put("pytorch_model.bin", new byte[20_000]);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private HubSettings settings(String token) {
        DownloadProgress record = (name, size, resumed) -> {
            long[] t = {size, resumed, 0};
            transfers.add(t);
            return new DownloadProgress.Transfer() {
                @Override
                public void add(long bytes) {
                    t[2] += bytes;
                }

                @Override
                public void close() {
                }
            };
        };
        return new HubSettings(fake.endpoint(), tmp.resolve("hub"), token, false, record);
    }

    private Path repoDir() {
        return tmp.resolve("hub/models--org--tiny");
    }

    @Test
    void aModelGivenByIdOpensAndAnExistingLocalPathAlwaysWins() throws Exception {
        Path dir = ModelPaths.resolve(REPO, () -> new Hub(settings(null)));
        Model m = ModelLoader.load(dir);
        try {
            assertThat(m.config().layers()).isEqualTo(3);
        } finally {
            m.checkpoint().close();
        }
        Path local = Files.createDirectories(Path.of("target/hubtest-local"));   // relative, and shaped like org/name
        assertThat(RepoRef.isRepoId(local.toString())).isTrue();
        assertThat(ModelPaths.resolve(local.toString(), () -> {
            throw new AssertionError("a local path must not reach the Hub");
        })).isEqualTo(local);
        assertThatThrownBy(() -> ModelPaths.resolve("/no/such/model", () -> new Hub(settings(null)))).hasMessage("/no/such/model: no such file or directory");
    }

    @Test
    void theGitBlobChecksumIsGitsOwn() {
        // `printf 'hello\n' | git hash-object --stdin`
        assertThat(FakeHub.gitBlobSha1("hello\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
    }

    @Test
    void freshDownloadFillsTheCacheInHuggingFaceHubsLayoutWithOnlyTheNeededFiles() throws Exception {
        Path dir = new Hub(settings(null)).resolve(REPO);
        assertThat(dir).isEqualTo(repoDir().resolve("snapshots/" + FakeHub.COMMIT));
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("config.json", "model.safetensors");
        }
        byte[] config = Files.readAllBytes(PLANTED.resolve("config.json")), weights = Files.readAllBytes(PLANTED.resolve("model.safetensors"));
        assertThat(Files.readSymbolicLink(dir.resolve("config.json"))).isEqualTo(Path.of("../../blobs/" + FakeHub.gitBlobSha1(config)));
        assertThat(Files.readSymbolicLink(dir.resolve("model.safetensors"))).isEqualTo(Path.of("../../blobs/" + FakeHub.sha256(weights)));
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(Files.readString(repoDir().resolve("refs/main"))).isEqualTo(FakeHub.COMMIT);
        try (Stream<Path> s = Files.list(repoDir().resolve("blobs"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(FakeHub.gitBlobSha1(config), FakeHub.sha256(weights));
        }
        assertThat(tmp.resolve("hub/.locks/models--org--tiny/" + FakeHub.sha256(weights) + ".lock")).isRegularFile();
        assertThat(transfers).anySatisfy(t -> assertThat(t).containsExactly(weights.length, 0, weights.length));
        // a second resolve downloads nothing
        int before = fake.requests.size();
        assertThat(new Hub(settings(null)).resolve(REPO)).isEqualTo(dir);
        assertThat(fake.requests.subList(before, fake.requests.size())).extracting(FakeHub.Request::method).containsExactly("GET");
    }

    @Test
    void shardedWeightsFetchTheIndexAndEveryShardItNames() throws Exception {
        fake.files.remove("model.safetensors");
        Path sharded = Fixtures.shared().resolve("fixtures/arch/llama/sharded");
        for (String f : List.of("model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
            fake.files.put(f, Files.readAllBytes(sharded.resolve(f)));
        }
        Path dir = new Hub(settings(null)).resolve(REPO);
        for (String f : List.of("model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
            assertThat(Files.readAllBytes(dir.resolve(f))).isEqualTo(Files.readAllBytes(sharded.resolve(f)));
        }
    }

    @Test
    void aGgufRepositoryGivesTheOneNamedFile() throws Exception {
        Path file = new Hub(settings(null)).resolve(REPO + ":model-f32.gguf");
        assertThat(file).isEqualTo(repoDir().resolve("snapshots/" + FakeHub.COMMIT + "/model-f32.gguf"));
        assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(PLANTED.resolve("model-f32.gguf")));
        assertThat(fake.requests("cdn", "GET")).hasSize(1);
        fake.files.remove("model.safetensors");
        assertThatThrownBy(() -> new Hub(settings(null)).resolve(REPO + "@main"))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("org/name:file.gguf (model-f32.gguf)");
        assertThatThrownBy(() -> new Hub(settings(null)).resolve(REPO + ":nope.gguf")).hasMessageContaining("has no file nope.gguf");
    }

    @Test
    void aDroppedConnectionIsResumedWithARangeRequest() throws Exception {
        fake.dropAfter = 300_000;
        Path dir = new Hub(settings(null)).resolve(REPO);
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(fake.files.get("model.safetensors"));
        List<FakeHub.Request> gets = fake.requests("cdn", "GET");
        assertThat(gets).hasSize(2);
        assertThat(gets.get(0).range()).isNull();
        long from = Long.parseLong(gets.get(1).range().replaceAll("bytes=(\\d+)-", "$1"));
        assertThat(from).isBetween(1L, 300_000L);
        assertThat(transfers).anySatisfy(t -> assertThat(t[1]).isEqualTo(from));
    }

    @Test
    void aPartialFileLeftByAnInterruptedRunIsResumed() throws Exception {
        byte[] weights = fake.files.get("model.safetensors");
        Path part = repoDir().resolve("blobs/" + FakeHub.sha256(weights) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, java.util.Arrays.copyOf(weights, 5000));
        Path dir = new Hub(settings(null)).resolve(REPO);
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(fake.requests("cdn", "GET")).extracting(FakeHub.Request::range).containsExactly("bytes=5000-");
        assertThat(part).doesNotExist();
    }

    @Test
    void aChecksumMismatchIsRefusedAndLeavesNothingInTheCache() {
        byte[] weights = fake.files.get("model.safetensors").clone();
        weights[1234] ^= 1;
        fake.corrupt.put("model.safetensors", weights);
        assertThatThrownBy(() -> new Hub(settings(null)).resolve(REPO)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("org/tiny/model.safetensors: SHA-256").hasMessageContaining("nothing was cached");
        Path blobs = repoDir().resolve("blobs");
        assertThat(blobs.resolve(FakeHub.sha256(fake.files.get("model.safetensors")))).doesNotExist();
        assertThat(blobs.resolve(FakeHub.sha256(fake.files.get("model.safetensors")) + ".incomplete")).doesNotExist();
        assertThat(repoDir().resolve("snapshots/" + FakeHub.COMMIT + "/model.safetensors")).doesNotExist();
        assertThat(repoDir().resolve("refs/main")).doesNotExist();
    }

    @Test
    void aGatedRepositoryNeedsTheTokenWhichNeverReachesTheStorageHost() throws Exception {
        fake.requiredToken = "hf_secret";
        assertThatThrownBy(() -> new Hub(settings(null)).resolve(REPO)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("HTTP 401").hasMessageContaining("set HF_TOKEN");
        assertThatThrownBy(() -> new Hub(settings("hf_wrong")).resolve(REPO)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("HTTP 403").hasMessageContaining("HF_TOKEN has no access");
        fake.requests.clear();
        Path dir = new Hub(settings("hf_secret")).resolve(REPO);
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(fake.files.get("model.safetensors"));
        assertThat(fake.requests.stream().filter(r -> r.server().equals("hub"))).isNotEmpty().allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer hf_secret"));
        assertThat(fake.requests("cdn", "GET")).hasSize(1).allSatisfy(r -> assertThat(r.authorization()).isNull());
    }

    @Test
    void offlineTheCacheAloneAnswersAndAMissIsOneClearError() throws Exception {
        assertThatThrownBy(() -> new Hub(settings(null).withOffline(true)).resolve(REPO)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("HF_HUB_OFFLINE is set").hasMessageContaining(tmp.resolve("hub").toString());
        Path dir = new Hub(settings(null)).resolve(REPO);
        fake.close();
        int before = fake.requests.size();
        assertThat(new Hub(settings(null).withOffline(true)).resolve(REPO)).isEqualTo(dir);
        // online but the Hub unreachable: the cached snapshot still answers
        assertThat(new Hub(settings(null)).resolve(REPO)).isEqualTo(dir);
        assertThat(fake.requests.size()).isEqualTo(before);
        assertThatThrownBy(() -> new Hub(settings(null)).resolve("org/other")).hasMessageContaining("cannot reach " + fake.endpoint());
    }

    @Test
    void aCacheWrittenByPythonIsUsedAsIs() throws Exception {
        // what huggingface_hub leaves: blob, relative snapshot links, refs/main
        String commit = "0000000000000000000000000000000000000abc".substring(0, 40);
        Path repo = tmp.resolve("hub/models--meta-llama--Llama-9b"), blob = repo.resolve("blobs/f00d");
        Files.createDirectories(blob.getParent());
        Files.writeString(blob, "{}");
        Path snap = Files.createDirectories(repo.resolve("snapshots/" + commit));
        Files.createSymbolicLink(snap.resolve("config.json"), Path.of("../../blobs/f00d"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit + "\n");
        assertThat(new Hub(settings(null).withOffline(true)).resolve("meta-llama/Llama-9b")).isEqualTo(snap);
        assertThat(new Hub(settings(null).withOffline(true)).resolve("meta-llama/Llama-9b@" + commit)).isEqualTo(snap);
    }

    @Test
    void twoConcurrentResolvesDownloadEachBlobOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Path>> f = new ArrayList<>();
            for (int i = 0; i < 2; i++) f.add(pool.submit(() -> new Hub(settings(null)).resolve(REPO)));
            assertThat(f.get(0).get()).isEqualTo(f.get(1).get());
        } finally {
            pool.shutdownNow();
        }
        assertThat(fake.requests("cdn", "GET")).hasSize(1);
        assertThat(Files.readAllBytes(repoDir().resolve("snapshots/" + FakeHub.COMMIT + "/model.safetensors"))).isEqualTo(fake.files.get("model.safetensors"));
    }

    @Test
    void unknownRepositoriesAndRevisionsAreNamedInTheError() {
        assertThatThrownBy(() -> new Hub(settings(null)).resolve(REPO + "@v9")).hasMessageContaining("org/tiny (revision v9): not found");
        assertThatThrownBy(() -> new Hub(settings(null)).resolve("org/absent")).hasMessageContaining("org/absent (revision main): not found");
    }

    @Test
    void settingsComeFromTheSameVariablesAsHuggingFaceHub() throws Exception {
        Path home = tmp.resolve("home");
        HubSettings d = HubSettings.fromEnvironment(Map.of(), home, DownloadProgress.NONE);
        assertThat(d.cache()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(d.endpoint()).isEqualTo(HubSettings.DEFAULT_ENDPOINT);
        assertThat(d.token()).isNull();
        assertThat(d.offline()).isFalse();
        Files.createDirectories(tmp.resolve("hf"));
        Files.writeString(tmp.resolve("hf/token"), "hf_fromfile\n");
        HubSettings h = HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.resolve("hf").toString(), "HF_HUB_OFFLINE", "1",
                "HF_ENDPOINT", "http://mirror.local/"), home, DownloadProgress.NONE);
        assertThat(h.cache()).isEqualTo(tmp.resolve("hf/hub"));
        assertThat(h.token()).isEqualTo("hf_fromfile");
        assertThat(h.offline()).isTrue();
        assertThat(h.endpoint().toString()).isEqualTo("http://mirror.local");
        HubSettings c = HubSettings.fromEnvironment(Map.of("HF_HOME", tmp.resolve("hf").toString(), "HF_HUB_CACHE", "/c", "HF_TOKEN", "hf_env",
                "HF_HUB_OFFLINE", "false"), home, DownloadProgress.NONE);
        assertThat(c.cache()).isEqualTo(Path.of("/c"));
        assertThat(c.token()).isEqualTo("hf_env");
        assertThat(c.offline()).isFalse();
    }

    @Test
    void idsAreParsedWithRevisionAndFile() {
        assertThat(RepoRef.parse("allenai/OLMo-1B-0724-hf")).isEqualTo(new RepoRef("allenai/OLMo-1B-0724-hf", "main", null));
        assertThat(RepoRef.parse("TheBloke/Llama-2-7B-GGUF@abc:llama-2-7b.Q4_K_M.gguf"))
                .isEqualTo(new RepoRef("TheBloke/Llama-2-7B-GGUF", "abc", "llama-2-7b.Q4_K_M.gguf"));
        assertThat(RepoRef.parse("a/b").folderName()).isEqualTo("models--a--b");
        assertThat(RepoRef.isRepoId("../etc")).isFalse();
        assertThat(RepoRef.isRepoId("/abs/path")).isFalse();
        assertThat(RepoRef.isRepoId("a/b/c")).isFalse();
        assertThat(HubHttp.sameOrigin(java.net.URI.create("https://huggingface.co/x"), java.net.URI.create("https://huggingface.co"))).isTrue();
        assertThat(HubHttp.sameOrigin(java.net.URI.create("https://cdn-lfs.huggingface.co/x"), java.net.URI.create("https://huggingface.co"))).isFalse();
        assertThat(HubHttp.sameOrigin(java.net.URI.create("http://127.0.0.1:81/"), java.net.URI.create("http://127.0.0.1:80"))).isFalse();
    }
}
