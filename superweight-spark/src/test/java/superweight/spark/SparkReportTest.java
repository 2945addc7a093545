package superweight.spark;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * report through the job model: on the planted fixture (small slices), locally and with --executor spark on local[2],
 * results.json and the page's tables are identical, every perplexity and zero-shot cell is in the store, and a
 * resubmitted report recomputes nothing.
 */
class SparkReportTest {
    static List<String> report(Path store, Path out) {
        return List.of("report", "--model", SparkGridTest.PLANTED, "--out", out.toString(), "--prompts", "2", "--ppl-windows", "3", "--ctx", "32",
                "--scales", "0,2", "--blocks", "64,256", "--tasks", "piqa,arc_easy", "--items", "3", "--shift-prompts", "2",
                "--data-dir", SparkGridTest.DATA, "--store", store.toString(), "--unit-items", "2", "--unit-windows", "2");
    }

    @Test
    void sparkAndLocalReportsAreIdenticalAndAResubmissionRecomputesNothing(@TempDir Path dir) throws Exception {
        Path local = dir.resolve("local.duckdb"), spark = dir.resolve("spark.duckdb"), out = dir.resolve("out");
        CommandRun.of(report(local, out));
        JsonNode resultsLocal = SparkGridTest.JSON.readTree(out.resolve("results.json").toFile());
        String htmlLocal = Files.readString(out.resolve("report.html"));
        CommandRun first = CommandRun.of(report(spark, out), "--executor", "spark", "--master", "local[2]");
        JsonNode resultsSpark = SparkGridTest.JSON.readTree(out.resolve("results.json").toFile());
        assertThat(resultsSpark).isEqualTo(resultsLocal);
        assertThat(Files.readString(out.resolve("report.html"))).isEqualTo(htmlLocal);

        // cells: 4 ablation conditions x (2 tasks x 2 ranges of items + 2 ranges of windows), 2 scales and 2 x 2 int4 schemes x 2 ranges
        int units = 4 * (2 * 2 + 2) + (2 + 4) * 2;
        assertThat(first.err()).contains("grid: " + units + " units (0 already stored) on spark local[2]");
        assertThat(Stores.items(spark)).hasSize(4 * 2 * 3).isEqualTo(Stores.items(local));
        assertThat(Stores.windows(spark)).hasSize((4 + 2 + 4) * 3).isEqualTo(Stores.windows(local));
        JsonNode ablation = resultsSpark.get("ablation");
        assertThat(ablation).hasSize(4);
        assertThat(ablation.get(0).get("zero_shot").get("piqa").get("acc").asDouble()).isBetween(0.0, 1.0);
        assertThat(resultsSpark.get("quantization")).hasSize(4);

        Map<String, String> items = Stores.stamps(spark), windows = Stores.windowStamps(spark);
        CommandRun again = CommandRun.of(report(spark, out), "--executor", "spark", "--master", "local[2]");
        assertThat(again.err()).contains("grid: " + units + " units (" + units + " already stored) on spark local[2]: 0 finished");
        assertThat(Stores.stamps(spark)).isEqualTo(items);
        assertThat(Stores.windowStamps(spark)).isEqualTo(windows);
        assertThat(SparkGridTest.JSON.readTree(out.resolve("results.json").toFile())).isEqualTo(resultsLocal);
    }
}
