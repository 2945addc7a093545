package superweight.eval;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TextCorpusTest {
    static final Path DATA = Fixtures.shared().resolve("data");

    @Test
    void wikitextGptqTextJoinsTheHfRowsWithBlankLines() throws Exception {
        TextCorpus c = TextCorpus.load("wikitext2", Perplexity.Style.GPTQ, new DataDirs(DATA, DATA.resolve("none")));
        // rows "", " = Robert Boulter = \n", "", " Robert Boulter is ..." joined with "\n\n"
        // (the row's own "\n", then "\n\n", the empty row, "\n\n": five newlines before the paragraph)
        assertThat(c.text()).startsWith("\n\n = Robert Boulter = \n\n\n\n\n Robert Boulter is an English film");
        String raw = Files.readString(DATA.resolve("wikitext-2-raw/wiki.test.raw"));
        List<String> rows = TextCorpus.rawToRows(raw);
        assertThat(rows).hasSize(4358); // PROVENANCE.md: 4358 lines = 4358 HF rows
        // every blank line " \n" became "" and every other row kept its "\n": the text is 2 chars per row boundary longer
        long blanks = rows.stream().filter(String::isEmpty).count();
        assertThat(c.text().length()).isEqualTo(raw.length() - 2 * blanks + 2 * (rows.size() - 1));
    }

    @Test
    void wikitextLlamaCppTextIsTheRawFile() throws Exception {
        TextCorpus c = TextCorpus.load("wikitext2", Perplexity.Style.LLAMACPP, new DataDirs(DATA, DATA.resolve("none")));
        assertThat(c.text()).isEqualTo(Files.readString(DATA.resolve("wikitext-2-raw/wiki.test.raw")));
    }

    @Test
    void c4NewJoinsTheFirst1100DocumentsWithSpacesAndCapsAt256Windows() {
        TextCorpus c = TextCorpus.load("c4-new", Perplexity.Style.GPTQ, new DataDirs(DATA, DATA.resolve("none")));
        assertThat(c.name()).isEqualTo("c4-new-like");   // the shared sample is not GPTQ's shard
        assertThat(c.rule()).contains("C4-like");
        var docs = Documents.table(DATA.resolve("c4_validation_sample/c4_validation_2k.parquet"));
        assertThat(docs).hasSize(2000);
        long chars = docs.subList(0, 1100).stream().mapToLong(d -> d.get("text").asText().length()).sum();
        assertThat(c.text().length()).isEqualTo(chars + 1099);
        assertThat(c.text()).startsWith(docs.get(0).get("text").asText() + " " + docs.get(1).get("text").asText());
        assertThat(c.maxWindows()).isEqualTo(256);
    }

    @Test
    void c4KeepsTheDocumentsForSamplingAndSaysItIsC4Like() {
        TextCorpus c = TextCorpus.load("c4", Perplexity.Style.GPTQ, new DataDirs(DATA, DATA.resolve("none")));
        assertThat(c.name()).isEqualTo("c4-like");
        assertThat(c.rule()).startsWith("GPTQ c4: 256 windows").contains("C4-like");
        assertThat(c.documents()).hasSize(2000);
        assertThat(c.source()).isEqualTo(DATA.resolve("c4_validation_sample/c4_validation_2k.parquet"));
    }

    @Test
    void theRealShardInTheHubCacheIsPreferredAndNamedC4(@org.junit.jupiter.api.io.TempDir Path hub) throws Exception {
        Path shard = hub.resolve("datasets--allenai--c4/snapshots/abc/en/c4-validation.00000-of-00008.json.gz");
        Files.createDirectories(shard.getParent());
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(shard))) {
            out.write("{\"text\":\"first doc\"}\n{\"text\":\"second doc\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        TextCorpus c = TextCorpus.load("c4", Perplexity.Style.GPTQ, new DataDirs(DATA, hub));
        assertThat(c.name()).isEqualTo("c4");
        assertThat(c.rule()).doesNotContain("C4-like");
        assertThat(c.documents()).containsExactly("first doc", "second doc");
        assertThat(TextCorpus.load("c4-new", Perplexity.Style.GPTQ, new DataDirs(DATA, hub)).text()).isEqualTo("first doc second doc");
    }

    @Test
    void anyTextFileIsReadAsIs(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "héllo\nworld");
        assertThat(TextCorpus.load(f.toString(), Perplexity.Style.GPTQ, DataDirs.of(null)).text()).isEqualTo("héllo\nworld");
    }

    @Test
    void rawLinesBecomeHfRowsWithABlankLineAsAnEmptyRowAndAnUnterminatedLastLineKept() {
        // HF's wikitext rows: each line with its "\n", a blank line (" \n" in the raw file) as ""
        assertThat(TextCorpus.rawToRows("\n = A = \n \n x\ny")).containsExactly("", " = A = \n", "", " x\n", "y");
        assertThat(TextCorpus.rawToRows("")).isEmpty();
    }

    @Test
    void c4NewFromGptqsShardIsNamedC4NewAndJoinsAtMost1100Documents() {
        TextCorpus shard = TextCorpus.c4New(List.of("a", "b", "c"), true, Path.of("shard.json.gz"));
        assertThat(shard.name()).isEqualTo("c4-new");
        assertThat(shard.rule()).isEqualTo("GPTQ c4-new: first 1100 documents joined with \" \", at most 256 windows");
        assertThat(shard.text()).isEqualTo("a b c");
        TextCorpus like = TextCorpus.c4New(List.of("a"), false, Path.of("sample.parquet"));
        assertThat(like.name()).isEqualTo("c4-new-like");
        assertThat(like.rule()).endsWith(" (C4-like: not GPTQ's validation shard)");
        assertThat(like.sampled()).isFalse();
    }
}
