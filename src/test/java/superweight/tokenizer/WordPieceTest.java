package superweight.tokenizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What BERT-style WordPiece decoding keeps: lowercased, accent-free words separated by single spaces. */
class WordPieceTest {
    private final Tokenizer bert = VocabTestVectorsTest.tokenizer("bert-bge");

    @Test
    void decodingJoinsWordsWithSpacesAndGluesSubwords() {
        // "Führer" loses its umlaut and lower-cases; punctuation becomes its own word.
        assertThat(bert.decode(bert.encode("Hello,  World! Führer\tdiscards"))).isEqualTo("hello , world ! fuhrer discards");
    }

    @Test
    void addBosWrapsInClsAndSep() {
        int[] ids = bert.encode("hello", true, false);
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[ids.length - 1]).isEqualTo(102);
        assertThat(bert.bosId()).isEqualTo(101);
        assertThat(bert.eosId()).isEqualTo(102);
        assertThat(bert.decode(ids)).isEqualTo("hello");
    }

    @Test
    void specialTokenTextIsParsedOnlyWhenAsked() {
        assertThat(bert.encode("[SEP]", false, true)).containsExactly(102);
        assertThat(bert.encode("[SEP]", false, false)).doesNotContain(102);
    }
}
