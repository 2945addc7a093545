package superweight.tokenizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pre-tokenizers without a test vocabulary in the shared folder (Llama 3, Qwen2), with splits worked out by hand
 * from their regexes, and the splitting behaviours of tokenizer.json's Split.
 */
class PreTokenizerTest {
    private static final String TEXT = "I've 12345 apples!\n\n";

    @Test
    void llama3GroupsDigitsByThree() {
        assertThat(PreTokenizer.forGgufPre("llama-bpe").split(TEXT))
                .containsExactly("I", "'ve", " ", "123", "45", " apples", "!\n\n");
        // Contractions are case-insensitive here (not in GPT-2).
        assertThat(PreTokenizer.forGgufPre("llama-bpe").split("WE'LL")).containsExactly("WE", "'LL");
        assertThat(PreTokenizer.forGgufPre("gpt-2").split("WE'LL")).containsExactly("WE", "'", "LL");
    }

    @Test
    void qwen2SplitsSingleDigits() {
        assertThat(PreTokenizer.forGgufPre("qwen2").split(TEXT))
                .containsExactly("I", "'ve", " ", "1", "2", "3", "4", "5", " apples", "!\n\n");
    }

    @Test
    void unknownPreTokenizerIsNull() {
        assertThat(PreTokenizer.forGgufPre("no-such-family")).isNull();
    }

    @Test
    void splitBehaviours() {
        String s = "a-b--c";
        assertThat(split("-", PreTokenizer.Behavior.ISOLATED, s)).containsExactly("a", "-", "b", "-", "-", "c");
        assertThat(split("-", PreTokenizer.Behavior.REMOVED, s)).containsExactly("a", "b", "c");
        assertThat(split("-", PreTokenizer.Behavior.MERGED_WITH_PREVIOUS, s)).containsExactly("a-", "b-", "-", "c");
        assertThat(split("-", PreTokenizer.Behavior.MERGED_WITH_NEXT, s)).containsExactly("a", "-b", "-", "-c");
    }

    private static java.util.List<String> split(String regex, PreTokenizer.Behavior b, String s) {
        return new PreTokenizer(java.util.List.of(PreTokenizer.regex(regex, b, "test"))).split(s);
    }
}
