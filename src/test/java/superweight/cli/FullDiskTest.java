package superweight.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real write failure: the command runs in a child JVM under bash's {@code ulimit -f} (file size limit), so the
 * kernel fails the write that crosses it with EFBIG ("File too large"), as a full disk fails it with ENOSPC. The
 * command must end with exit code 1 and one error line naming the file, leave no temporary file, and leave the
 * previous version of the file (if any) as it was.
 */
class FullDiskTest {
    @TempDir
    Path tmp;

    private List<String> run(String name, long kib, List<String> args) throws Exception {
        Process p = ChildJvm.startWithFileSizeLimit(tmp, name, kib, args);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        List<String> err = ChildJvm.errorLines(tmp, name);
        assertThat(p.exitValue()).as(String.join("\n", err)).isEqualTo(1);
        return err;
    }

    private static List<String> files(Path dir) throws Exception {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anExportThatHitsTheLimitLeavesNothingBehind() throws Exception {
        Path dir = tmp.resolve("export"), gguf = dir.resolve("m.gguf");
        // about 460 kB of F32 weights against a 16 KiB limit
        List<String> err = run("synth", 16, List.of("synth", "--out", gguf.toString(), "--hidden", "64", "--intermediate", "128",
                "--layers", "2", "--heads", "2", "--kv-heads", "2", "--vocab", "256", "--context", "64"));
        assertThat(err).containsExactly("error: " + gguf + ": cannot write (File too large)");
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void aReportThatHitsTheLimitKeepsThePreviousFiles() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("detect")), json = dir.resolve("detect.json");
        Files.writeString(json, "previous results\n");
        // detect writes its charts, then detect.json; the first chart (a PNG of tens of kB) crosses 8 KiB
        List<String> err = run("detect", 8, List.of("detect", "--model", Fixtures.shared().resolve("fixtures/planted").toString(),
                "--out", dir.toString()));
        assertThat(err).containsExactly("error: " + dir.resolve("layer-maxima-input.png") + ": cannot write (File too large)");
        assertThat(files(dir)).containsExactly("detect.json");
        assertThat(Files.readString(json)).isEqualTo("previous results\n");
    }

    /**
     * Found by this test: DuckDB unpacks its native library into java.io.tmpdir on first use; when that write
     * fails, its driver class cannot initialize and the command died with an ExceptionInInitializerError and a
     * stack trace. Now it is one line (exit code 1) that says what to check.
     */
    @Test
    void aFullTemporaryFolderWhenDuckDbStartsIsOneLine() throws Exception {
        List<String> err = run("eval", 1, List.of("eval", "--model", Fixtures.arch("llama").resolve("model-f32.gguf").toString(),
                "--tasks", "piqa", "--limit", "2", "--data-dir", Fixtures.shared().resolve("data").toString(), "--no-store"));
        assertThat(err).singleElement().asString().startsWith("error: cannot start DuckDB: its native library could not be loaded (")
                .contains("File too large")
                .endsWith("); check that the temporary folder " + tmp.resolve("tmp") + " (java.io.tmpdir) is writable and has free space");
    }
}
