package superweight.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import superweight.Fixtures;
import superweight.model.format.SafetensorsCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * model.safetensors.index.json under fuzzing, in a folder holding the two shards of the shared sharded fixture
 * (linked, not copied) and a secret file beside the folder: the loader must never open a name outside it.
 */
class FuzzShardIndexTest {
    private static final Path ROOT = FuzzSeeds.scratch("index");
    private static final Path DIR = ROOT.resolve("model");

    @BeforeAll
    static void seeds() throws Exception {
        Path sharded = Fixtures.arch("llama").resolve("sharded");
        Files.createDirectories(DIR);
        try (var s = Files.list(sharded)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                Files.copy(f, DIR.resolve(f.getFileName()));
            }
        }
        Files.writeString(ROOT.resolve("secret.safetensors"), "not for the loader");
        Path corpus = FuzzSeeds.corpus(FuzzShardIndexTest.class, "shardIndex");
        FuzzSeeds.write(corpus, "fixture-index", Files.readAllBytes(sharded.resolve("model.safetensors.index.json")));
        FuzzSeeds.write(corpus, "escape", "{\"weight_map\": {\"a\": \"../secret.safetensors\"}}".getBytes());
    }

    @FuzzTest(maxDuration = "5s")
    void shardIndex(byte[] data) {
        FuzzSeeds.put(DIR.resolve("model.safetensors.index.json"), data);
        FuzzSeeds.refusalOnly(() -> SafetensorsCheckpoint.open(DIR).close());
    }
}
