package superweight.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static superweight.spark.SparkGridTest.DATA;
import static superweight.spark.SparkGridTest.PLANTED;

/**
 * The two grid commands SparkGridTest and SparkReportTest leave out, eval over several tasks and sweep, locally and
 * on local[2]: identical output and stored results, and the driver's grid summary says the units ran on Spark.
 */
class SparkEvalAndSweepTest {
    @Test
    void evalOverTwoTasks(@TempDir Path dir) throws Exception {
        Path local = dir.resolve("local.duckdb"), spark = dir.resolve("spark.duckdb");
        List<String> eval = List.of("eval", "--model", PLANTED, "--tasks", "arc_easy,piqa", "--limit", "3", "--unit-items", "2", "--data-dir", DATA);
        CommandRun l = CommandRun.of(eval, "--store", local.toString());
        CommandRun s = CommandRun.of(eval, "--store", spark.toString(), "--executor", "spark", "--master", "local[2]");
        assertThat(s.out()).isEqualTo(l.out()).contains("arc_easy", "piqa");
        // 2 tasks x 3 items, in units of at most 2 items: 2 units per task
        assertThat(s.err()).contains("grid: 4 units (0 already stored) on spark local[2]: 4 finished, 0 failed; 6 items");
        assertThat(Stores.items(spark)).hasSize(6).isEqualTo(Stores.items(local));
    }

    @Test
    void sweepWithTasksAndPerplexity(@TempDir Path dir) throws Exception {
        Path local = dir.resolve("local.duckdb"), spark = dir.resolve("spark.duckdb"), out = dir.resolve("out");
        List<String> sweep = List.of("sweep", "--model", PLANTED, "--super-weights", "1:27:121", "--factors", "0,2", "--tasks", "arc_easy",
                "--limit", "3", "--unit-items", "2", "--ppl", "wikitext2", "--ctx", "32", "--ppl-limit", "2", "--unit-windows", "1",
                "--data-dir", DATA, "--out", out.toString());
        CommandRun l = CommandRun.of(sweep, "--store", local.toString());
        String jsonLocal = Files.readString(out.resolve("sweep.json"));
        CommandRun s = CommandRun.of(sweep, "--store", spark.toString(), "--executor", "spark", "--master", "local[2]");
        assertThat(s.out()).isEqualTo(l.out());
        assertThat(Files.readString(out.resolve("sweep.json"))).isEqualTo(jsonLocal).contains("ppl:wikitext2");
        // 2 factors x (2 item units + 2 window units)
        assertThat(s.err()).contains("grid: 8 units (0 already stored) on spark local[2]: 8 finished, 0 failed; 10 items");
        assertThat(Stores.items(spark)).hasSize(6).isEqualTo(Stores.items(local));
        assertThat(Stores.windows(spark)).hasSize(4).isEqualTo(Stores.windows(local));
    }
}
