package superweight.tokenizer;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written GPT-2 scanner must split exactly like the GPT-2 regex run by java.util.regex. */
class Gpt2SplitterTest {
    private static final PreTokenizer.Step REGEX = PreTokenizer.regex(PreTokenizer.GPT2, PreTokenizer.Behavior.ISOLATED, "test");
    private static final Gpt2Splitter SCANNER = new Gpt2Splitter();
    /** Letters (ASCII, accented, Cyrillic, CJK, combining mark), numbers of all three kinds, every White_Space kind, emoji, punctuation. */
    private static final int[] ALPHABET = {'a', 'b', 's', 't', 'r', 'e', 'v', 'l', 'm', 'd', 'Z', 'é', 'Ж', '中', 0x0301,
            '0', '7', 0x0663, 0x00B2, 0x2167, ' ', ' ', ' ', '\n', '\t', '\r', 0x0B, 0xA0, 0x3000, 0x2009, 0x85,
            '\'', '\'', '.', ',', '!', '-', '$', '~', 0x1F999, 0x1F600, 0x200D, 0xFFFD};

    private static List<String> split(PreTokenizer.Step step, String s) {
        List<String> out = new ArrayList<>();
        step.apply(s, out);
        return out;
    }

    @Test
    void agreesWithTheRegexOnRandomText() {
        Random r = new Random(7);
        for (int iter = 0; iter < 20_000; iter++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(24);
            for (int i = 0; i < len; i++) sb.appendCodePoint(ALPHABET[r.nextInt(ALPHABET.length)]);
            String s = sb.toString();
            assertThat(split(SCANNER, s)).as("%s", s.codePoints().mapToObj(Integer::toHexString).toList())
                    .isEqualTo(split(REGEX, s));
        }
    }

    @Test
    void agreesWithTheRegexOnWikitext() throws IOException {
        String text = Files.readString(Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw")).substring(0, 200_000);
        assertThat(split(SCANNER, text)).isEqualTo(split(REGEX, text));
    }
}
