package superweight.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Data set files come from strangers: each reader refuses, in one line naming the file, a file above the size cap,
 * a line above the line cap and more records than the record cap, before building them (the caps are 1 GiB,
 * 16 Mi characters and 2^20 records; the expected numbers below are written out, not read from the code).
 */
class DataSetCapsTest {
    private static final long GIB = 1L << 30;
    private static final int LINE = 16 << 20, RECORDS = 1 << 20;

    @TempDir
    Path dir;

    /** A sparse file of {@code bytes} bytes (nothing is written to disk). */
    private Path sparse(String name, long bytes) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return p;
    }

    private static void refused(Path file, Function<Path, ?> reader, String expected) {
        assertThatThrownBy(() -> reader.apply(file)).isInstanceOf(SuperweightException.class)
                .hasMessage(file + expected).hasMessageNotContaining("\n");
    }

    @Test
    void aFileAboveOneGibibyteIsRefusedByEveryReaderBeforeReading() throws Exception {
        Path big = sparse("huge.jsonl", GIB + 1);
        String expected = ": 1073741825 bytes, more than the 1073741824 a data set file may have";
        refused(big, Documents::jsonLines, expected);
        refused(big, Documents::jsonArray, expected);
        refused(big, Documents::lines, expected);
        refused(big, Documents::text, expected);
        refused(big, Documents::table, expected);
        // exactly the cap passes the size check: the sparse file is NUL bytes, so the JSON reader fails on its content
        Path atCap = sparse("cap.json", GIB);
        assertThatThrownBy(() -> Documents.jsonArray(atCap)).hasMessageNotContaining("a data set file may have");
    }

    @Test
    void aLineAboveSixteenMebicharactersIsRefusedWithoutReadingItWhole() throws Exception {
        Path f = dir.resolve("long.jsonl");
        Files.writeString(f, "{}\n" + "a".repeat(LINE + 1) + "\n{}\n");
        refused(f, Documents::jsonLines, ":2: a line longer than 16777216 characters (the cap of a data set line)");
        refused(f, Documents::lines, ":2: a line longer than 16777216 characters (the cap of a data set line)");
        Path exact = Files.writeString(dir.resolve("exact.txt"), "x\r\n" + "b".repeat(LINE) + "\ry");
        assertThat(Documents.lines(exact)).extracting(String::length).containsExactly(1, LINE, 1);
    }

    @Test
    void moreThanTwoToTheTwentyRecordsAreRefused() throws Exception {
        Path f = dir.resolve("many.jsonl");
        Files.writeString(f, "{}\n".repeat(RECORDS + 1));
        refused(f, Documents::jsonLines, ": more than 1048576 records (the cap of a data set file)");
        refused(f, Documents::lines, ": more than 1048576 records (the cap of a data set file)");
        Path array = Files.writeString(dir.resolve("many.json"), "[" + "{},".repeat(RECORDS) + "{}]");
        refused(array, Documents::jsonArray, ": more than 1048576 records (the cap of a data set file)");
        // blank lines are not records: the cap counts what would be kept
        Path blanks = Files.writeString(dir.resolve("blanks.jsonl"), "\n".repeat(RECORDS + 5) + "{}\n");
        assertThat(Documents.jsonLines(blanks)).hasSize(1);
        // exactly at the cap is still a data set
        Path atCap = Files.writeString(dir.resolve("at-cap.txt"), "a\n".repeat(RECORDS));
        assertThat(Documents.lines(atCap)).hasSize(RECORDS);
    }

    @Test
    void tablesAreCountedBeforeTheyAreDecodedAndEachRecordIsCapped() throws Exception {
        Path many = dir.resolve("many.parquet"), wide = dir.resolve("wide.parquet"), fine = dir.resolve("fine.parquet");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (SELECT range AS i FROM range(" + (RECORDS + 1) + ")) TO '" + many + "' (FORMAT parquet)");
            s.execute("COPY (SELECT 'x' AS text UNION ALL SELECT repeat('a', " + LINE + ")) TO '" + wide + "' (FORMAT parquet)");
            s.execute("COPY (SELECT range AS i FROM range(3)) TO '" + fine + "' (FORMAT parquet)");
            // {"text":""} is 11 characters: this record's JSON is exactly at the cap
            s.execute("COPY (SELECT repeat('a', " + (LINE - 11) + ") AS text) TO '" + dir.resolve("at-cap.parquet") + "' (FORMAT parquet)");
        }
        assertThat(Documents.table(dir.resolve("at-cap.parquet")).getFirst().get("text").asText()).hasSize(LINE - 11);
        refused(many, Documents::table, ": more than 1048576 records (the cap of a data set file)");
        // the second record's JSON {"text":"aaa..."} is 16 Mi + 11 characters
        refused(wide, Documents::table, ": record 2 has 16777227 characters of JSON, more than the 16777216 a record may have");
        assertThat(Documents.table(fine)).extracting(r -> r.get("i").asInt()).containsExactly(0, 1, 2);
    }

    @Test
    void anOversizedTaskFileIsOneLineFromTheEvaluation() throws Exception {
        Files.createDirectories(dir.resolve("piqa"));
        sparse("piqa/valid.jsonl", GIB + 1);
        assertThatThrownBy(() -> Tasks.documents(Tasks.get("piqa"), new DataDirs(dir, dir.resolve("hub"))))
                .isInstanceOf(SuperweightException.class)
                .hasMessage(dir.resolve("piqa/valid.jsonl") + ": 1073741825 bytes, more than the 1073741824 a data set file may have");
    }
}
