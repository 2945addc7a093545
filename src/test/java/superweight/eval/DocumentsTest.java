package superweight.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Malformed data set files are refused in one line naming the file and, for line formats, the line. */
class DocumentsTest {
    @TempDir
    Path dir;

    @Test
    void aJsonLineThatIsNotAnObjectIsRefusedWithItsLineNumber() throws Exception {
        Path f = Files.writeString(dir.resolve("a.jsonl"), "{\"x\": 1}\n\n[1, 2]\n");
        assertThatThrownBy(() -> Documents.jsonLines(f)).isInstanceOf(SuperweightException.class)
                .hasMessage(f + ":3: expected a JSON object, found ARRAY");
    }

    @Test
    void theLastLineWithoutATerminatorKeepsItsNumber() throws Exception {
        // three lines, the last unterminated and malformed: it is line 3, not 2 or 4
        Path f = Files.writeString(dir.resolve("b.jsonl"), "{}\r\n{}\r{\"a\": ");
        assertThatThrownBy(() -> Documents.jsonLines(f)).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(f + ":3: malformed JSON (");
    }

    @Test
    void aJsonFileThatIsNotAnArrayIsRefused() throws Exception {
        Path f = Files.writeString(dir.resolve("c.json"), "{\"records\": []}");
        assertThatThrownBy(() -> Documents.jsonArray(f)).isInstanceOf(SuperweightException.class)
                .hasMessage(f + ": expected a JSON array of records");
        Path empty = Files.writeString(dir.resolve("d.json"), "");
        assertThatThrownBy(() -> Documents.jsonArray(empty)).isInstanceOf(SuperweightException.class)
                .hasMessage(empty + ": expected a JSON array of records");
    }

    @Test
    void firstLineOfADriverMessage() {
        assertThat(Documents.firstLine(null)).isEmpty();
        assertThat(Documents.firstLine("IO Error: lock\nLINE 1: ...")).isEqualTo("IO Error: lock");
        assertThat(Documents.firstLine("one line")).isEqualTo("one line");
        assertThat(Documents.firstLine("\nsecond")).isEmpty();
    }
}
