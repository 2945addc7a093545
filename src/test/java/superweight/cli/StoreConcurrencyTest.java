package superweight.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two evaluations started at the same moment on one store file (two terminals on the default store): the second
 * waits for the first with a message, both finish with the numbers they have alone, and the store holds both.
 */
class StoreConcurrencyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static List<String> args(String task, Path store) {
        return List.of("eval", "--model", Fixtures.arch("llama").resolve("model-f32.gguf").toString(), "--tasks", task,
                "--limit", "30", "--data-dir", Fixtures.shared().resolve("data").toString(), "--store", store.toString(), "--json");
    }

    @Test
    void aSecondProcessWaitsAndNeitherIsCorrupted() throws Exception {
        Path shared = tmp.resolve("runs.duckdb");
        Process a = ChildJvm.start(tmp, "a", args("piqa", shared));
        Process b = ChildJvm.start(tmp, "b", args("arc_easy", shared));
        assertThat(a.waitFor(5, TimeUnit.MINUTES) && b.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String errA = Files.readString(tmp.resolve("a.err")), errB = Files.readString(tmp.resolve("b.err"));
        assertThat(a.exitValue()).as(errA).isZero();
        assertThat(b.exitValue()).as(errB).isZero();
        assertThat(errA + errB).contains(shared + " is in use by another process").contains("waiting for it to finish");

        for (String[] run : new String[][]{{"piqa", "a"}, {"arc_easy", "b"}}) {
            Path alone = tmp.resolve(run[0] + "-alone.duckdb");
            CommandLineTest.Result r = CommandLineTest.run(args(run[0], alone).toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(JSON.readTree(Files.readString(tmp.resolve(run[1] + ".out"))).get("results"))
                    .isEqualTo(JSON.readTree(r.out()).get("results"));
            Map<String, ChildJvm.Row> both = ChildJvm.items(shared);
            ChildJvm.items(alone).forEach((k, row) -> assertThat(both.get(k).scores()).as(k).isEqualTo(row.scores()));
        }
        assertThat(ChildJvm.items(shared)).hasSize(60);
    }
}
