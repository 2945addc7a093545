package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One place a data set may live and how to read it into JSON records in the Hugging Face field layout.
 * {@code where} describes the place for the "not found" message.
 */
public record DataSource(String where, Function<DataDirs, List<Path>> locate, BiFunction<DataDirs, List<Path>, List<JsonNode>> read) {

    /** A file (relative to the data directory) read by {@code reader}. */
    public static DataSource local(String relative, Function<Path, List<JsonNode>> reader) {
        return new DataSource("<data>/" + relative,
                d -> Files.isRegularFile(d.dataDir().resolve(relative)) ? List.of(d.dataDir().resolve(relative)) : List.of(),
                (d, files) -> reader.apply(files.getFirst()));
    }

    /**
     * Files in the Hugging Face hub cache of any of {@code repos} ("org/name"), in any snapshot, whose path inside
     * the snapshot matches one of the globs; shards are read in name order and concatenated. The newest snapshot
     * (by modification time) that has a match wins.
     */
    public static DataSource hub(List<String> repos, List<String> globs, Function<Path, List<JsonNode>> reader) {
        String where = "<hf-hub>/" + String.join(" or ", repos.stream().map(r -> "datasets--" + r.replace("/", "--")).toList())
                + "/snapshots/*/" + String.join(" | ", globs);
        return new DataSource(where, d -> hubFiles(d.hfHub(), repos, globs), (d, files) -> {
            List<JsonNode> all = new ArrayList<>();
            for (Path f : files) all.addAll(reader.apply(f));
            return all;
        });
    }

    static List<Path> hubFiles(Path hub, List<String> repos, List<String> globs) {
        for (String repo : repos) {
            Path snapshots = hub.resolve("datasets--" + repo.replace("/", "--")).resolve("snapshots");
            if (!Files.isDirectory(snapshots)) continue;
            List<Path> revs;
            try (Stream<Path> s = Files.list(snapshots)) {
                revs = s.filter(Files::isDirectory).sorted(Comparator.comparing(DataSource::mtime).reversed()).toList();
            } catch (IOException e) {
                continue;
            }
            List<PathMatcher> matchers = globs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
            for (Path rev : revs) {
                try (Stream<Path> s = Files.walk(rev)) {
                    List<Path> hits = s.filter(p -> Files.isRegularFile(p) && matchers.stream().anyMatch(m -> m.matches(rev.relativize(p))))
                            .sorted(Comparator.comparing(Path::toString)).toList();
                    if (!hits.isEmpty()) return hits;
                } catch (IOException ignored) {
                    // an unreadable snapshot is skipped like a missing one
                }
            }
        }
        return List.of();
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
