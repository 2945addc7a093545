package superweight.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Test helper: the command line in a child JVM (to kill it with SIGKILL or run two at once), and store snapshots. */
final class ChildJvm {
    /** One stored item: its request digest, scores and when it was committed. */
    record Row(String requests, String scores, String finished) {
    }

    private ChildJvm() {
    }

    static Process start(Path workDir, String name, List<String> args) throws IOException {
        return startClass(workDir, name, "superweight.cli.Main", args);
    }

    /** The main class {@code mainClass} of the test class path in a child JVM; stdout and stderr go to NAME.out/.err. */
    static Process startClass(Path workDir, String name, String mainClass, List<String> args) throws IOException {
        return new ProcessBuilder(command(workDir, mainClass, args)).redirectOutput(workDir.resolve(name + ".out").toFile())
                .redirectError(workDir.resolve(name + ".err").toFile()).start();
    }

    /**
     * The command line in a child JVM run by bash under {@code ulimit -f KIB}: a write past that size fails with
     * EFBIG (HotSpot ignores SIGXFSZ, so the process is not killed by the signal).
     */
    static Process startWithFileSizeLimit(Path workDir, String name, long kib, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + kib + " && exec \"$@\"", "bash"));
        cmd.addAll(command(workDir, "superweight.cli.Main", args));
        return new ProcessBuilder(cmd).redirectOutput(workDir.resolve(name + ".out").toFile())
                .redirectError(workDir.resolve(name + ".err").toFile()).start();
    }

    private static List<String> command(Path workDir, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-XX:-UsePerfData",
                "-Djava.io.tmpdir=" + Files.createDirectories(workDir.resolve("tmp")), "-cp", System.getProperty("java.class.path"),
                mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /** The lines of a child's stderr without the JVM's own warnings (the incubator module notice). */
    static List<String> errorLines(Path workDir, String name) throws IOException {
        return Files.readAllLines(workDir.resolve(name + ".err")).stream()
                .filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    }

    /** Bytes of the store's write-ahead log: every committed item appends to it (DuckDB folds it in when it closes). */
    static long walBytes(Path store) throws IOException {
        Path wal = store.resolveSibling(store.getFileName() + ".wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }

    /** Every eval item of the store by (task, item), read while no other process holds it. */
    static Map<String, Row> items(Path store) throws SQLException {
        Map<String, Row> out = new TreeMap<>();
        if (!Files.exists(store)) return out;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + store.toAbsolutePath());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT task, item, requests_sha, scores, CAST(finished AS VARCHAR) FROM eval_items")) {
            while (rs.next()) out.put(rs.getString(1) + "#" + rs.getInt(2), new Row(rs.getString(3), rs.getString(4), rs.getString(5)));
        }
        return out;
    }
}
