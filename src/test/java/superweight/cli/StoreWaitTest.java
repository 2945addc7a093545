package superweight.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * --store-wait: a second process (child JVM) waits for a store that another child JVM holds, gives up after the
 * given seconds with one error line and exit code 1, writes nothing, and the store is intact afterwards.
 */
class StoreWaitTest {
    @TempDir
    Path tmp;

    private List<String> eval(Path store, String wait) {
        return List.of("eval", "--model", Fixtures.arch("llama").resolve("model-f32.gguf").toString(), "--tasks", "piqa",
                "--limit", "3", "--data-dir", Fixtures.shared().resolve("data").toString(), "--store", store.toString(),
                "--store-wait", wait, "--json");
    }

    @Test
    void theSecondProcessGivesUpAfterTheWaitAndTheStoreStaysIntact() throws Exception {
        Path store = tmp.resolve("runs.duckdb");
        Process holder = ChildJvm.startClass(tmp, "holder", "superweight.cli.StoreHolder", List.of(store.toString()));
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.readString(tmp.resolve("holder.out")).contains("holding")) {
                assertThat(holder.isAlive()).as(Files.readString(tmp.resolve("holder.err"))).isTrue();
                assertThat(System.nanoTime()).as("the holder opened the store").isLessThan(deadline);
                Thread.sleep(50);
            }
            long start = System.nanoTime();
            Process waiting = ChildJvm.start(tmp, "waiting", eval(store, "2"));
            assertThat(waiting.waitFor(2, TimeUnit.MINUTES)).isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;
            List<String> err = ChildJvm.errorLines(tmp, "waiting");
            assertThat(waiting.exitValue()).as(String.join("\n", err)).isEqualTo(1);
            assertThat(err).hasSize(2);
            assertThat(err.get(0)).startsWith("note: " + store + " is in use by another process (")
                    .endsWith("); waiting for it to finish (at most 2 s, --store-wait)");
            assertThat(err.get(1)).startsWith("error: " + store + ": still in use by another process after 2 s of waiting (")
                    .endsWith("); nothing was written to it: wait for that run, give --store-wait more seconds, or use another --store");
            assertThat(seconds).as("it waited the 2 s").isGreaterThan(2);
            assertThat(Files.readString(tmp.resolve("waiting.out"))).isEmpty();
            assertThat(holder.isAlive()).as("the holder was not disturbed").isTrue();
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor(1, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(holder.exitValue()).as(Files.readString(tmp.resolve("holder.err"))).isZero();
        assertThat(Files.readString(tmp.resolve("holder.out"))).contains("released");
        assertThat(ChildJvm.items(store)).as("the refused run stored nothing").isEmpty();

        // the store is intact: the same run, now alone, stores its items
        Process again = ChildJvm.start(tmp, "again", eval(store, "0"));
        assertThat(again.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(again.exitValue()).as(Files.readString(tmp.resolve("again.err"))).isZero();
        assertThat(ChildJvm.items(store)).hasSize(3);
    }

    @Test
    void aNegativeWaitIsRefused() {
        var r = CommandLineTest.run(eval(tmp.resolve("s.duckdb"), "-1").toArray(String[]::new));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: --store-wait -1: must be at least 0 seconds");
        // the analysis commands take it through their evaluation options
        var table = CommandLineTest.run("quant-table", "--model", Fixtures.shared().resolve("fixtures/planted").toString(),
                "--super-weights", "1:27:121", "--ppl", "wikitext2", "--store-wait", "-5");
        assertThat(table.code()).isEqualTo(1);
        assertThat(table.err().strip()).isEqualTo("error: --store-wait -5: must be at least 0 seconds");
    }
}
