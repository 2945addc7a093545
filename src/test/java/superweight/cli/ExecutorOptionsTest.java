package superweight.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The grid commands through the local executor print what they print without any grid (--no-store computes every
 * condition in the command's own loop, the code path before the jobs package), and --executor spark without the
 * module is a one-line error saying how to get it.
 */
class ExecutorOptionsTest {
    static final String PLANTED = Fixtures.shared().resolve("fixtures/planted").toString();
    static final String DATA = Fixtures.shared().resolve("data").toString();

    static String[] args(Path out, List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of("--model", PLANTED, "--super-weights", "1:27:121", "--tasks", "arc_easy,piqa", "--limit", "3", "--data-dir", DATA,
                "--out", out.toString()));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void gridsThroughTheLocalExecutorPrintWhatTheCommandsPrintWithoutOne(@TempDir Path dir) {
        Path out = dir.resolve("out");
        for (List<String> command : List.of(List.of("sweep", "--factors", "0,2"), List.of("quant-sweep", "--blocks", "1024", "--methods", "rtn,clip+restore"))) {
            CommandLineTest.Result plain = CommandLineTest.run(args(out, command, "--no-store"));
            CommandLineTest.Result grid = CommandLineTest.run(args(out, command, "--store", dir.resolve(command.get(0) + ".duckdb").toString(), "--unit-items", "2"));
            assertThat(grid.code()).as(grid.err()).isZero();
            assertThat(grid.out()).isEqualTo(plain.out()).contains("acc:avg");
        }
    }

    @Test
    void sparkWithoutTheModuleAndMasterWithoutSparkAreOneLineErrors(@TempDir Path dir) {
        CommandLineTest.Result spark = CommandLineTest.run(args(dir, List.of("ablate"), "--executor", "spark", "--store", dir.resolve("s.duckdb").toString()));
        assertThat(spark.code()).isEqualTo(1);
        assertThat(spark.err().strip()).startsWith("error: --executor spark: the Spark executor is not on the class path")
                .contains("superweight-spark", "docs/distributed.md").doesNotContain("\n");
        CommandLineTest.Result master = CommandLineTest.run(args(dir, List.of("sweep"), "--master", "local[2]", "--store", dir.resolve("s.duckdb").toString()));
        assertThat(master.code()).isEqualTo(1);
        assertThat(master.err().strip()).isEqualTo("error: --master local[2]: only with --executor spark");
        CommandLineTest.Result units = CommandLineTest.run(args(dir, List.of("ablate"), "--unit-items", "0", "--store", dir.resolve("s.duckdb").toString()));
        assertThat(units.err().strip()).isEqualTo("error: --unit-items 0: must be at least 1");
    }
}
