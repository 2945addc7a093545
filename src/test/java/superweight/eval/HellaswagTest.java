package superweight.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lm-eval's hellaswag/utils.py preprocess and Python's str.capitalize, with results worked out from their code. */
class HellaswagTest {
    @Test
    void preprocessIsStripTitleBracketsDoubleSpace() {
        // strip; " [title]" -> ". " gives "snow.  covering"; "[header]" removed gives ":  Then"; "  " -> " "
        assertThat(Hellaswag.preprocess("  Removing ice from car: [header] Then, the man writes over the snow [title] covering the window.  "))
                .isEqualTo("Removing ice from car: Then, the man writes over the snow. covering the window.");
        // non-greedy brackets: the text between two bracketed parts stays
        assertThat(Hellaswag.preprocess("a [x] b [y] c")).isEqualTo("a b c");
        // one pass of "  " -> " ": four spaces become two
        assertThat(Hellaswag.preprocess("a    b")).isEqualTo("a  b");
    }

    @Test
    void capitalizeIsPythons() {
        assertThat(Hellaswag.capitalize("hELLO World")).isEqualTo("Hello world");
        assertThat(Hellaswag.capitalize("")).isEmpty();
        assertThat(Hellaswag.capitalize("\u01c6X")).isEqualTo("\u01c5x");   // title case, not upper case, for the first
        assertThat(Hellaswag.capitalize("\ud801\udc28A")).isEqualTo("\ud801\udc00a");  // a supplementary first letter
    }

    @Test
    void llamaCppTextFileHasSixLinesPerTask(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("ok.txt");
        Files.writeString(ok, "Act: ctx [title] more\n 2 \ne0\ne1\ne2\ne3\n");
        var docs = Hellaswag.readText(ok);
        assertThat(docs).hasSize(1);
        assertThat(docs.getFirst().get("label").asText()).isEqualTo("2");
        assertThat(Hellaswag.query(docs.getFirst())).isEqualTo("Act: ctx. more");
        assertThat(Hellaswag.endings(docs.getFirst())).containsExactly("e0", "e1", "e2", "e3");
        Path seven = dir.resolve("seven.txt");
        Files.writeString(seven, "q\n0\na\nb\nc\nd\nextra\n");
        assertThatThrownBy(() -> Hellaswag.readText(seven)).isInstanceOf(SuperweightException.class)
                .hasMessage(seven + ": 7 lines, not a multiple of 6 (llama.cpp HellaSwag text format)");
        Path badLabel = dir.resolve("label.txt");
        Files.writeString(badLabel, "q\n0\na\nb\nc\nd\nq2\n4\na\nb\nc\nd\n");
        assertThatThrownBy(() -> Hellaswag.readText(badLabel)).isInstanceOf(SuperweightException.class)
                .hasMessage(badLabel + ":8: gold label '4' is not 0-3");
    }
}
