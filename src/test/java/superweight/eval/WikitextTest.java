package superweight.eval;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Expected values from an independent Python run (CPython 3.11) of the document-level split as
 * EleutherAI/wikitext_document_level's script does it, lm-eval's wikitext_detokenizer and its process_results
 * counts ({@code len(re.split(r"\s+", page))}, {@code len(page.encode())}) on shared/data/wikitext-2-raw/wiki.test.raw.
 */
class WikitextTest {
    static final Path RAW = Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw");

    @Test
    void testSplitHas62PagesWithCPythonsCounts() throws Exception {
        List<String> pages = Wikitext.pages(Files.readString(RAW));
        assertThat(pages).hasSize(62);
        assertThat(pages.get(0)).startsWith(" = Robert Boulter = \n \n Robert Boulter i").endsWith("Theatre = = = \n \n \n ");
        assertThat(pages.get(61)).startsWith(" = The Hustler ( film ) = \n \n The Hustle").endsWith("d Eddie Pelkey . \n \n");
        int[][] expected = {{0, 1093, 5667}, {1, 4751, 24540}, {61, 3479, 17903}};
        for (int[] e : expected) {
            assertThat(Wikitext.words(pages.get(e[0]))).as("words of page %d", e[0]).isEqualTo(e[1]);
            assertThat(Wikitext.bytes(pages.get(e[0]))).as("bytes of page %d", e[0]).isEqualTo(e[2]);
        }
        assertThat(pages.stream().mapToInt(Wikitext::words).sum()).isEqualTo(241335);
        assertThat(pages.stream().mapToInt(Wikitext::bytes).sum()).isEqualTo(1290527);
    }

    @Test
    void detokenizedPagesHashAsCPythonsDo() throws Exception {
        List<String> pages = Wikitext.pages(Files.readString(RAW));
        assertThat(SampleLog.sha256(Wikitext.detokenize(pages.get(0)))).startsWith("d73a87153b7d7233");
        assertThat(SampleLog.sha256(Wikitext.detokenize(pages.get(1)))).startsWith("6635a9c46b04b4af");
        assertThat(SampleLog.sha256(Wikitext.detokenize(pages.get(61)))).startsWith("b35a21525cd35c82");
    }

    @Test
    void detokenizerRulesOnAHandMadeLine() {
        String in = " = A = \n \n He said \" hello world \" ( see 1 @,@ 000 ) , it 's N / ' 5 / done . \n ";
        // CPython: ' = A =\n\nHe said "hello world" (see 1,000), it\'s 1 /\' 5 / done.\n'
        assertThat(Wikitext.detokenize(in)).isEqualTo(" = A =\n\nHe said \"hello world\" (see 1,000), it's 1 /' 5 / done.\n");
    }

    @Test
    void wordsCountEmptyEndsAsPythonsSplitDoes() {
        assertThat(Wikitext.words("a b")).isEqualTo(2);
        assertThat(Wikitext.words("  a\u00a0b\n")).isEqualTo(4);   // ['', 'a', 'b', '']
        assertThat(Wikitext.words("")).isEqualTo(1);
        assertThat(Wikitext.bytes("dé")).isEqualTo(3);
    }

    @Test
    void pythonWhitespaceIsCPythonsStrIsspace() {
        // [c for c in range(0x110000) if chr(c).isspace()] printed by CPython 3.11
        int[] cpython = {0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
                0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000};
        assertThat(IntStream.range(0, 0x110000).filter(Python::isSpace).toArray()).containsExactly(cpython);
    }
}
