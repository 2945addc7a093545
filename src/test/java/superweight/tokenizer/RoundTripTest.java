package superweight.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * decode(encode(s)) == s on every shared test string, where the family's normalisation keeps the text:
 * <ul>
 *   <li>byte-level BPE keeps every byte, so every string must come back;</li>
 *   <li>SentencePiece BPE: the dummy-prefix space is removed again on decoding and byte fallback covers characters
 *       outside the vocabulary, so every string must come back too;</li>
 *   <li>WordPiece (bert-bge) lowercases, strips accents, drops control characters and does not keep whitespace, so
 *       its strings are excluded here; {@link WordPieceTest} checks what its decoding does keep.</li>
 * </ul>
 */
class RoundTripTest {
    static Stream<VocabCases.Case> losslessCases() {
        return VocabCases.names().stream().filter(n -> !n.equals("bert-bge")).flatMap(n -> VocabCases.cases(n).stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("losslessCases")
    void decodeInvertsEncode(VocabCases.Case c) {
        Tokenizer t = VocabTestVectorsTest.tokenizer(c.vocab());
        assertThat(t.decode(t.encode(c.text()))).as("%s string %d", c.vocab(), c.index()).isEqualTo(c.text());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("losslessCases")
    void decodesTheReferenceIds(VocabCases.Case c) {
        Tokenizer t = VocabTestVectorsTest.tokenizer(c.vocab());
        assertThat(t.decode(c.expected())).as("%s string %d %s", c.vocab(), c.index(), List.of(c.text())).isEqualTo(c.text());
    }
}
