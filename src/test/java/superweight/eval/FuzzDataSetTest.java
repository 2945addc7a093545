package superweight.eval;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import superweight.Fixtures;
import superweight.fuzz.FuzzSeeds;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Data set files under fuzzing: the input is written as the local file of every built-in task (JSON lines, JSON
 * arrays, the HellaSwag text layout) and each task's documents are read and turned into requests. Seeds: the first
 * 4 kB of every shared data file.
 */
class FuzzDataSetTest {
    private static final Path DATA = FuzzSeeds.scratch("data");
    private static final DataDirs DIRS = new DataDirs(DATA, DATA.resolve("no-hub"));

    @BeforeAll
    static void seeds() throws Exception {
        Path corpus = FuzzSeeds.corpus(FuzzDataSetTest.class, "dataSetFiles");
        for (String task : Tasks.names()) {
            for (DataSource s : Tasks.get(task).sources()) {
                Path shared = Fixtures.shared().resolve("data").resolve(relative(s));
                if (s.where().startsWith("<data>/") && Files.isRegularFile(shared)) {
                    byte[] all = Files.readAllBytes(shared);
                    FuzzSeeds.write(corpus, task + "-" + shared.getFileName(), Arrays.copyOf(all, Math.min(all.length, 4096)));
                }
            }
        }
    }

    private static String relative(DataSource s) {
        return s.where().substring(s.where().indexOf('/') + 1);
    }

    @FuzzTest(maxDuration = "5s")
    void dataSetFiles(byte[] data) throws Exception {
        for (String task : Tasks.names()) {
            TaskSpec spec = Tasks.get(task);
            for (DataSource s : spec.sources()) {
                if (!s.where().startsWith("<data>/")) continue;
                Path f = DATA.resolve(relative(s));
                Files.createDirectories(f.getParent());
                FuzzSeeds.put(f, data);
            }
            FuzzSeeds.refusalOnly(() -> {
                List<JsonNode> docs = Tasks.documents(spec, DIRS);
                for (int i = 0; i < Math.min(50, docs.size()); i++) spec.item(i, docs.get(i));
            });
        }
    }
}
