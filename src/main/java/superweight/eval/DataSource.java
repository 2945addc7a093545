package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.io.PathRoot;

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
     * the snapshot matches a glob; the first glob (in the given order) that matches anything decides, and its
     * shards are read in name order and concatenated. The newest snapshot (by modification time) with a match wins.
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
            for (Path rev : revs) {
                List<Path> files;
                try (Stream<Path> s = Files.walk(rev)) {
                    files = s.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList();
                } catch (IOException e) {
                    continue; // an unreadable snapshot is skipped like a missing one
                }
                // Globs in order of preference: the first one that matches decides (never a mix of layouts).
                for (String glob : globs) {
                    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                    List<Path> hits = files.stream().filter(p -> m.matches(rev.relativize(p))).toList();
                    if (!hits.isEmpty()) return insideRepository(rev, hits);
                }
            }
        }
        return List.of();
    }

    /** Snapshot files link into ../../blobs; a link leading outside the dataset's repository folder is refused. */
    private static List<Path> insideRepository(Path snapshot, List<Path> files) {
        PathRoot root = PathRoot.forModelFolder(snapshot);
        return files.stream().map(f -> root.resolve(snapshot.relativize(f).toString(), snapshot, "data file")).toList();
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
