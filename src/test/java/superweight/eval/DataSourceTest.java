package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Where {@link DataSource}s look for a data set, how they describe it, and {@link DatasetPin}'s local check. */
class DataSourceTest {
    /** A reader whose one record is the file's name, so a test sees which files were read in which order. */
    static final Function<Path, List<JsonNode>> NAME = p -> List.of(TextNode.valueOf(p.getFileName().toString()));

    @Test
    void aLocalSourceIsTheFileInTheDataDirectoryOnceItExists(@TempDir Path dir) throws Exception {
        DataDirs dirs = new DataDirs(dir.resolve("data"), dir.resolve("hub"));
        DataSource s = DataSource.local("piqa/valid.jsonl", NAME);
        assertThat(s.where()).isEqualTo("<data>/piqa/valid.jsonl");
        assertThat(s.locate().apply(dirs)).isEmpty();
        Path file = Files.createDirectories(dirs.dataDir().resolve("piqa")).resolve("valid.jsonl");
        Files.writeString(file, "{}\n");
        assertThat(s.locate().apply(dirs)).containsExactly(file);
        assertThat(s.read().apply(dirs, List.of(file))).containsExactly(TextNode.valueOf("valid.jsonl"));
    }

    @Test
    void aHubSourceNamesEveryRepositoryAndGlobAndReadsItsShardsInNameOrder(@TempDir Path dir) throws Exception {
        Path hub = dir.resolve("hub");
        DataSource s = DataSource.hub(List.of("org/one", "org/two"), List.of("data/*.parquet", "*.jsonl"), NAME);
        assertThat(s.where()).isEqualTo("<hf-hub>/datasets--org--one or datasets--org--two/snapshots/*/data/*.parquet | *.jsonl");
        Path snap = Files.createDirectories(hub.resolve("datasets--org--two/snapshots/abc/data"));
        Files.writeString(snap.resolve("b.parquet"), "");
        Files.writeString(snap.resolve("a.parquet"), "");
        // a directory matching the glob is not a data file
        Files.createDirectories(snap.resolve("c.parquet"));
        DataDirs dirs = new DataDirs(dir.resolve("data"), hub);
        List<Path> found = s.locate().apply(dirs);
        assertThat(found).extracting(p -> p.getFileName().toString()).containsExactly("a.parquet", "b.parquet");
        assertThat(s.read().apply(dirs, found)).containsExactly(TextNode.valueOf("a.parquet"), TextNode.valueOf("b.parquet"));
    }

    @Test
    void theNewestSnapshotWithAMatchWins(@TempDir Path dir) throws Exception {
        Path snapshots = dir.resolve("datasets--org--one/snapshots");
        Path old = Files.createDirectories(snapshots.resolve("old"));
        Path fresh = Files.createDirectories(snapshots.resolve("fresh"));
        Files.writeString(old.resolve("x.jsonl"), "");
        Files.writeString(fresh.resolve("x.jsonl"), "");
        Files.setLastModifiedTime(old, FileTime.fromMillis(1_000_000_000_000L));
        Files.setLastModifiedTime(fresh, FileTime.fromMillis(1_700_000_000_000L));
        assertThat(DataSource.hubFiles(dir, List.of("org/one"), List.of("*.jsonl"))).singleElement()
                .satisfies(p -> assertThat(p.getParent().getFileName().toString()).isEqualTo("fresh"));
        Files.setLastModifiedTime(old, FileTime.fromMillis(1_800_000_000_000L));
        assertThat(DataSource.hubFiles(dir, List.of("org/one"), List.of("*.jsonl"))).singleElement()
                .satisfies(p -> assertThat(p.getParent().getFileName().toString()).isEqualTo("old"));
    }

    @Test
    void aPinIsReadFromTheHubCacheOfItsRepositoryAndPresentOnlyOnceItsDataIsLocal(@TempDir Path dir) throws Exception {
        DatasetPin piqa = DatasetPin.of("piqa").orElseThrow();
        // the Hub cache layout: datasets--<org>--<name>/snapshots/<revision>/<file>, here the pin's repository and file
        assertThat(piqa.source(NAME).where()).isEqualTo("<hf-hub>/datasets--ybisk--piqa/snapshots/*/plain_text/validation/0000.parquet");
        assertThat(DatasetPin.all()).extracting(DatasetPin::name).containsExactly("piqa", "arc_easy", "arc_challenge", "hellaswag",
                "winogrande", "sciq", "lambada_openai", "wikitext", "wikitext2", "c4", "c4-new");
        DataDirs empty = new DataDirs(dir.resolve("data"), dir.resolve("hub"));
        assertThat(DatasetPin.present("lambada_openai", empty)).isFalse();
        assertThat(DatasetPin.present("wikitext2", empty)).isFalse();
        Files.createDirectories(empty.dataDir().resolve("lambada_openai"));
        Files.writeString(empty.dataDir().resolve("lambada_openai/lambada_test.jsonl"), "{\"text\": \"a b\"}\n");
        assertThat(DatasetPin.present("lambada_openai", empty)).isTrue();
        assertThat(DatasetPin.present("wikitext2", empty)).isFalse();
    }
}
