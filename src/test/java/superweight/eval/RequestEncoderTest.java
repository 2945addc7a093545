package superweight.eval;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import superweight.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static superweight.eval.ByteTestTokenizer.byteId;
import static superweight.eval.ByteTestTokenizer.spaceLetterId;

class RequestEncoderTest {
    final ByteTestTokenizer tok = new ByteTestTokenizer(true);

    @Test
    void continuationTokensComeFromTheWholeStringSplitAtTheContextLength() {
        EncodedPair p = new RequestEncoder(tok, false, 100).encode("A:", " bc");
        // "A: bc" -> A, :, ▁b, c ; the context "A:" is 2 tokens, so the continuation is [▁b, c].
        assertThat(p.tokens()).containsExactly(byteId('A'), byteId(':'), spaceLetterId('b'), byteId('c'));
        assertThat(p.continuationLength()).isEqualTo(2);
        assertThat(p.firstScoredPosition()).isEqualTo(1);
    }

    @Test
    void trailingSpacesOfTheContextMoveToTheContinuation() {
        EncodedPair p = new RequestEncoder(tok, false, 100).encode("Answer: ", "bat");
        // moved: "Answer:" + " bat"; encoding the pieces separately would have given a lone space byte and b.
        int[] expected = {byteId('A'), byteId('n'), byteId('s'), byteId('w'), byteId('e'), byteId('r'), byteId(':'),
                spaceLetterId('b'), byteId('a'), byteId('t')};
        assertThat(p.tokens()).containsExactly(expected);
        assertThat(p.continuationLength()).isEqualTo(3);
    }

    @Test
    void allTrailingWhitespaceMovesIncludingNewlines() {
        EncodedPair p = new RequestEncoder(tok, false, 100).encode("Q\n ", "x");
        assertThat(p.tokens()).containsExactly(byteId('Q'), byteId('\n'), spaceLetterId('x'));
        assertThat(p.continuationLength()).isEqualTo(2);
    }

    @Test
    void aTokenStraddlingTheBoundaryBelongsToTheContinuation() {
        // The continuation "b" directly after a context ending in a space-less "a" stays a byte token.
        EncodedPair p = new RequestEncoder(tok, false, 100).encode("xa", "b");
        assertThat(p.tokens()).containsExactly(byteId('x'), byteId('a'), byteId('b'));
        assertThat(p.continuationLength()).isEqualTo(1);
    }

    @Test
    void bosIsPrependedOnlyWhenAsked() {
        assertThat(new RequestEncoder(tok, true, 100).encode("A", " b").tokens()).containsExactly(1, byteId('A'), spaceLetterId('b'));
        assertThat(new RequestEncoder(tok, false, 100).encode("A", " b").tokens()).containsExactly(byteId('A'), spaceLetterId('b'));
    }

    @Test
    void emptyContextBecomesTheBosPrefixToken() {
        EncodedPair p = new RequestEncoder(tok, false, 100).encode("", "ab");
        assertThat(p.tokens()).containsExactly(1, byteId('a'), byteId('b'));
        assertThat(p.continuationLength()).isEqualTo(2);
    }

    @Test
    void tooLongSequencesLoseTokensFromTheFront() {
        // 10 tokens, max length 4: the last 5 survive (the model reads 4, the 5th is only a target).
        EncodedPair p = new RequestEncoder(tok, false, 4).encode("0123456", "789");
        assertThat(p.tokens()).containsExactly(byteId('5'), byteId('6'), byteId('7'), byteId('8'), byteId('9'));
        assertThat(p.continuationLength()).isEqualTo(3);
    }

    @Test
    void emptyContextUnder043EncodesTheContinuationWithTheBosSetting() {
        // 0.4.3's tok_encode(continuation) uses add_bos_token: with BOS on (Gemma) the BOS appears twice, as there
        EncodedPair p = new RequestEncoder(tok, true, 100, BosConvention.LM_EVAL_0_4_3).encode("", "ab");
        assertThat(p.tokens()).containsExactly(1, 1, byteId('a'), byteId('b'));
        assertThat(p.continuationLength()).isEqualTo(3);
    }

    @Test
    void emptyContextUnder0410EncodesWithoutSpecialTokensAndNeverDoublesThePrefix() {
        EncodedPair p = new RequestEncoder(tok, true, 100, BosConvention.LM_EVAL_0_4_10).encode("", "ab");
        assertThat(p.tokens()).containsExactly(1, byteId('a'), byteId('b'));
        assertThat(p.continuationLength()).isEqualTo(2);
        // a continuation that itself starts with the prefix token's text: that token becomes the context
        superweight.tokenizer.Tokenizer special = new superweight.tokenizer.Tokenizer() {
            @Override
            public int[] encode(String text, boolean addBos, boolean parseSpecial) {
                return text.equals("<s>ab") ? new int[]{1, byteId('a'), byteId('b')} : tok.encode(text, addBos, parseSpecial);
            }

            public String decode(int[] ids) {
                return tok.decode(ids);
            }

            public int vocabSize() {
                return tok.vocabSize();
            }

            public int bosId() {
                return tok.bosId();
            }

            public int eosId() {
                return tok.eosId();
            }

            public boolean addBosByDefault() {
                return true;
            }

            public String piece(int id) {
                return tok.piece(id);
            }
        };
        EncodedPair q = new RequestEncoder(special, false, 100, BosConvention.LM_EVAL_0_4_10).encode("", "<s>ab");
        assertThat(q.tokens()).containsExactly(1, byteId('a'), byteId('b'));
        assertThat(q.continuationLength()).isEqualTo(2);
    }

    @Test
    void rollingEncodesTheWholeTextThenWindowsItAfterThePrefix() {
        // "abcdef" = 6 byte tokens; max length 4: [BOS a b c d] predicts a..d, then [b c d e f] predicts e, f
        List<EncodedPair> w = new RequestEncoder(tok, false, 4).rolling("abcdef");
        assertThat(w).hasSize(2);
        assertThat(w.get(0).tokens()).containsExactly(1, byteId('a'), byteId('b'), byteId('c'), byteId('d'));
        assertThat(w.get(1).tokens()).containsExactly(byteId('b'), byteId('c'), byteId('d'), byteId('e'), byteId('f'));
        assertThat(w.get(1).continuationLength()).isEqualTo(2);
        // with BOS in the encoding (0.4.10 on a Llama tokenizer) the document's own BOS is predicted from the prefix
        assertThat(new RequestEncoder(tok, true, 4).rolling("ab").getFirst().tokens()).containsExactly(1, 1, byteId('a'), byteId('b'));
    }

    @Test
    void sequencesOfAtMostMaxLengthPlusOneTokensAreKeptWhole() {
        // max length 4: the model reads 4 tokens and the 5th is only a target, so 5 tokens fit
        EncodedPair five = new RequestEncoder(tok, false, 4).encode("012", "34");
        assertThat(five.tokens()).containsExactly(byteId('0'), byteId('1'), byteId('2'), byteId('3'), byteId('4'));
        assertThat(five.continuationLength()).isEqualTo(2);
        EncodedPair four = new RequestEncoder(tok, false, 4).encode("01", "23");
        assertThat(four.tokens()).containsExactly(byteId('0'), byteId('1'), byteId('2'), byteId('3'));
    }

    @Test
    void aContinuationLongerThanTheWindowScoresOnlyThePredictedTokens() {
        // "0" + "12345", max length 3: the last 4 tokens [2 3 4 5] remain; inputs 2 3 4 predict 3 4 5
        EncodedPair p = new RequestEncoder(tok, false, 3).encode("0", "12345");
        assertThat(p.tokens()).containsExactly(byteId('2'), byteId('3'), byteId('4'), byteId('5'));
        assertThat(p.continuationLength()).isEqualTo(3);
    }

    @Test
    void aContinuationOfNoTokensIsRefusedWithBothTexts() {
        assertThatThrownBy(() -> new RequestEncoder(tok, false, 100).encode("a", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("continuation '' encodes to no tokens after context 'a'");
    }

    @Test
    void thePrefixTokenIsBosEvenWhenItsIdIsZeroElseEos() {
        // lm-eval's prefix_token_id: the BOS id when the tokenizer has one, else the EOS (end-of-text) id
        Tokenizer bosZero = EvaluationRunTest.withBosId(0), noBos = EvaluationRunTest.withBosId(-1);
        assertThat(new RequestEncoder(bosZero, false, 100).encode("", "a").tokens()).containsExactly(0, byteId('a'));
        assertThat(new RequestEncoder(noBos, false, 100).encode("", "a").tokens()).containsExactly(ByteTestTokenizer.EOS, byteId('a'));
        assertThat(new RequestEncoder(tok, true, 100).addBos()).isTrue();
        assertThat(new RequestEncoder(tok, false, 100).addBos()).isFalse();
    }
}
