package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An evaluation in a child JVM is killed with SIGKILL (Process.destroyForcibly) at several moments, each just after
 * the store grew (so items are committed and more are in flight), plus a random delay, and restarted: the finished
 * run reports exactly what an uninterrupted run reports, every item is stored once with the reference scores, and
 * no item finished before a kill is scored again afterwards (its commit timestamp never changes).
 */
class KillAndResumeTest {
    private static final int ITEMS = 120, KILLS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private List<String> args(Path store, Path out) {
        return List.of("eval", "--model", Fixtures.arch("llama").resolve("model-f32.gguf").toString(), "--tasks", "piqa",
                "--limit", String.valueOf(ITEMS), "--data-dir", Fixtures.shared().resolve("data").toString(),
                "--store", store.toString(), "--out", out.toString(), "--json");
    }

    @Test
    void killedRunsResumeToTheUninterruptedResult() throws Exception {
        Path refStore = tmp.resolve("ref.duckdb");
        CommandLineTest.Result ref = CommandLineTest.run(args(refStore, tmp.resolve("ref.json")).toArray(String[]::new));
        assertThat(ref.code()).as(ref.err()).isZero();
        Map<String, ChildJvm.Row> expected = ChildJvm.items(refStore);
        assertThat(expected).hasSize(ITEMS);

        Path store = tmp.resolve("runs.duckdb"), out = tmp.resolve("results.json");
        Random random = new Random(13);
        Map<String, ChildJvm.Row> before = Map.of();
        int kills = 0;
        for (int trial = 0; trial < KILLS; trial++) {
            long walAtKill = 4096 + random.nextInt(8192); // a few items past the table creation
            Process p = ChildJvm.start(tmp, "trial" + trial, args(store, out));
            while (p.isAlive() && ChildJvm.walBytes(store) < walAtKill) Thread.sleep(2);
            if (!p.isAlive()) break; // it finished before the kill: the final run below then has nothing left to do
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            kills++;
            Map<String, ChildJvm.Row> after = ChildJvm.items(store);
            System.out.printf("kill %d at %d WAL bytes: %d items stored%n", trial, walAtKill, after.size());
            before.forEach((k, row) -> assertThat(after.get(k)).as("item %s was scored again after a kill", k).isEqualTo(row));
            after.forEach((k, row) -> assertThat(row.scores()).as(k).isEqualTo(expected.get(k).scores()));
            if (Files.exists(out)) assertThat(JSON.readTree(out.toFile()).has("results")).as("results.json is complete").isTrue();
            before = after;
        }
        Process last = ChildJvm.start(tmp, "final", args(store, out));
        assertThat(last.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(last.exitValue()).as(Files.readString(tmp.resolve("final.err"))).isZero();

        Map<String, ChildJvm.Row> finished = ChildJvm.items(store);
        before.forEach((k, row) -> assertThat(finished.get(k)).as("item %s was scored twice", k).isEqualTo(row));
        assertThat(finished.keySet()).isEqualTo(expected.keySet());
        finished.forEach((k, row) -> assertThat(row.scores()).as(k).isEqualTo(expected.get(k).scores()));
        JsonNode got = JSON.readTree(Files.readString(tmp.resolve("final.out")));
        assertThat(got.get("results")).isEqualTo(JSON.readTree(ref.out()).get("results"));
        assertThat(JSON.readTree(out.toFile()).get("results")).isEqualTo(got.get("results"));
        try (var s = Files.list(tmp)) {
            assertThat(s.map(f -> f.getFileName().toString()).filter(n -> n.contains(".tmp-"))).as("temporary files left").isEmpty();
        }
        System.out.printf("kill-and-resume: %d kills, %d items, %d stored before the final run%n", kills, ITEMS, before.size());
        assertThat(kills).as("kills that hit a running evaluation").isGreaterThanOrEqualTo(1);
    }
}
