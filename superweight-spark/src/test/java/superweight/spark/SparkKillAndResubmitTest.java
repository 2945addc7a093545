package superweight.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spark driver (a child JVM running the command line on local[2]) is killed with SIGKILL once units have been
 * committed, and the grid is submitted again: no item finished before the kill is scored again (its commit time is
 * unchanged), the resubmitted grid skips the units the store holds, and the final table and store equal a local
 * run's: zero-shot items and perplexity windows, whose combined perplexity keeps every bit of the local figure.
 */
class SparkKillAndResubmitTest {
    @TempDir
    Path tmp;

    static List<String> args(Path store, Path out) {
        return List.of("ablate", "--model", SparkGridTest.PLANTED, "--super-weights", "1:27:121", "--condition", "original,prune-sw,scale:0.5,scale:2",
                "--tasks", "arc_easy,piqa", "--limit", "8", "--unit-items", "1", "--ppl", "wikitext2", "--ctx", "32", "--ppl-limit", "8",
                "--unit-windows", "1", "--data-dir", SparkGridTest.DATA, "--store", store.toString(), "--out", out.toString(), "--json");
    }

    Process start(String name, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // the test JVM's own flags: the Vector API module and the --add-opens Spark needs
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) if (a.startsWith("--") || a.startsWith("-Dio.") || a.startsWith("-Djdk.")) cmd.add(a);
        cmd.addAll(List.of("-Xmx1g", "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("tmp")), "-cp", System.getProperty("java.class.path"),
                "superweight.cli.Main"));
        cmd.addAll(args);
        cmd.addAll(List.of("--executor", "spark", "--master", "local[2]"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(tmp.resolve(name + ".out").toFile()).redirectError(tmp.resolve(name + ".err").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("HF_ENDPOINT", "http://127.0.0.1:9");
        return pb.start();
    }

    @Test
    void aKilledDriverResubmitsWithoutRecomputingFinishedUnits() throws Exception {
        Path refStore = tmp.resolve("ref.duckdb"), store = tmp.resolve("runs.duckdb"), out = tmp.resolve("out");
        String table = CommandRun.of(args(refStore, out)).out();
        Map<String, String> expected = Stores.items(refStore), expectedWindows = Stores.windows(refStore);
        int items = 4 * 2 * 8, windows = 4 * 8, total = items + windows;
        assertThat(expected).hasSize(items);
        assertThat(expectedWindows).hasSize(windows);

        Process p = start("killed", args(store, out));
        Path wal = store.resolveSibling(store.getFileName() + ".wal");
        // the tables' creation writes a few KiB; each committed unit (its key and item) adds more
        while (p.isAlive() && (!Files.exists(wal) || Files.size(wal) < 24 * 1024)) Thread.sleep(2);
        assertThat(p.isAlive()).as("the driver finished before it could be killed: " + Files.readString(tmp.resolve("killed.err"))).isTrue();
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Map<String, String> before = Stores.stamps(store);
        before.putAll(Stores.windowStamps(store));
        System.out.printf("driver killed with %d of %d items and windows stored%n", before.size(), total);
        assertThat(before.size()).isBetween(1, total - 1);

        Process again = start("resubmitted", args(store, out));
        assertThat(again.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String err = Files.readString(tmp.resolve("resubmitted.err"));
        assertThat(again.exitValue()).as(err).isZero();
        Map<String, String> after = Stores.stamps(store);
        after.putAll(Stores.windowStamps(store));
        before.forEach((k, v) -> assertThat(after.get(k)).as("item or window %s was scored again after the kill", k).isEqualTo(v));
        assertThat(Stores.items(store)).isEqualTo(expected);
        assertThat(Stores.windows(store)).isEqualTo(expectedWindows);
        // the JSON carries every digit of each perplexity: combined from windows of two driver runs, still the local figure
        assertThat(Files.readString(tmp.resolve("resubmitted.out"))).isEqualTo(table).contains("ppl:wikitext2");
        assertThat(err).containsPattern("grid: " + total + " units \\([1-9][0-9]* already stored\\) on spark local\\[2\\]");
    }
}
