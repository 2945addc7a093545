package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.eval.ModelFingerprint;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTokenizerTest {
    final DemoTokenizer t = new DemoTokenizer();

    /** The id of a byte, written out: 3 + the byte. */
    static int b(char c) {
        return 3 + c;
    }

    static int[] bytes(String s) {
        return s.chars().map(c -> 3 + c).toArray();
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void theCaseStudyPromptByHand() {
        // " is" is a word token (259 + its index 16 in WORDS); " hot" and " Winter" are not words; "Summer" starts the text without a space
        int is = 259 + 16;
        assertThat(t.encode("Summer is hot. Winter is", true, false))
                .containsExactly(concat(new int[]{1}, bytes("Summer"), new int[]{is}, bytes(" hot. Winter"), new int[]{is}));
    }

    @Test
    void aWordTokenNeedsASpaceBeforeAndNoLetterOrDigitAfter() {
        int the = 259;
        assertThat(t.encode("the")).containsExactly(bytes("the"));
        assertThat(t.encode(" theory")).containsExactly(bytes(" theory"));
        assertThat(t.encode(" the2")).containsExactly(bytes(" the2"));
        assertThat(t.encode(" The")).containsExactly(bytes(" The"));
        assertThat(t.encode(" the, a")).containsExactly(the, b(','), 259 + 1);
        assertThat(t.encode("x  the")).containsExactly(b('x'), b(' '), the);
    }

    @Test
    void decodeInvertsEncodeOnAnyText() {
        for (String s : new String[]{"Summer is hot. Winter is", " the the", "café ü — 日本", "a\nb\tc", "", " of"}) {
            assertThat(t.decode(t.encode(s, true, false))).isEqualTo(s);
        }
    }

    @Test
    void specialTokensOnlyWhenAskedFor() {
        assertThat(t.encode("<s>x", false, true)).containsExactly(1, b('x'));
        assertThat(t.encode("<s>x", false, false)).containsExactly(b('<'), b('s'), b('>'), b('x'));
        assertThat(t.decode(new int[]{1, b('a'), 2})).isEqualTo("a");
    }

    @Test
    void piecesAndSizes() {
        assertThat(t.vocabSize()).isEqualTo(259 + DemoTokenizer.WORDS.size()).isEqualTo(DemoModel.VOCAB);
        assertThat(t.piece(1)).isEqualTo("<s>");
        assertThat(t.piece(b(' '))).isEqualTo("\u2581");
        assertThat(t.piece(b('\n'))).isEqualTo("<0x0A>");
        assertThat(t.piece(b(','))).isEqualTo(",");
        assertThat(t.piece(259)).isEqualTo("\u2581the");
        // every word token counts as a stopword for the stopword shift, and so do the newline and punctuation bytes
        IntStream.range(259, t.vocabSize()).forEach(id -> assertThat(TokenShift.isStopword(t.piece(id))).as(t.piece(id)).isTrue());
        assertThat(TokenShift.isStopword(t.piece(b('\n')))).isTrue();
        assertThat(TokenShift.isStopword(t.piece(b('q')))).isFalse();
        assertThat(DemoTokenizer.WORDS).doesNotHaveDuplicates();
    }

    @Test
    void theDemoModelHasAFingerprintThatFollowsItsSeed() {
        assertThat(ModelFingerprint.of(DemoModel.build(0))).isEqualTo(ModelFingerprint.of(DemoModel.build(0)))
                .isNotEqualTo(ModelFingerprint.of(DemoModel.build(1)));
        assertThat(DemoModel.build(0).parameterCount()).isEqualTo(2L * DemoModel.VOCAB * DemoModel.HIDDEN
                + DemoModel.LAYERS * (2L * 64 * 64 + 2L * 32 * 64 + 3L * 128 * 64));
    }
}
