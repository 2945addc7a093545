package superweight.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.model.format.GgufFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** lstrip / rstrip / single_word of special tokens: llama.cpp's per-model GGUF rules and tokenizer.json's options. */
class SpecialTokenAttributesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Tokenizer phi3;

    @org.junit.jupiter.api.BeforeAll
    static void phi3() {
        phi3 = Tokenizers.load(VocabCases.gguf("phi-3"));
    }

    static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void phi3GgufDropsWhitespaceAfterItsChatTokensAsLlamaCppDoes() {
        Tokenizer t = phi3;
        // llama.cpp's ids for this Phi-3 prompt (quoted from a public comparison of llama.cpp's tokenizer): the "\n"
        // after <|user|>, <|end|> and <|assistant|> is dropped, and "SYS" gets the dummy-prefix space (▁SYS = 317 21554).
        assertThat(t.encode("<|user|>\nSYS\nHI<|end|>\n<|assistant|>\n", true, true))
                .containsExactly(1, 32010, 317, 21554, 13, 17628, 32007, 32001);
    }

    @Test
    void phi3KeepsWhitespaceAfterBosAndEndOfTextAndAfterNonSpecialText() {
        Tokenizer t = phi3;
        // <s> is excluded from llama.cpp's rule: the "\n" after it stays (with the dummy prefix: ▁ then \n)
        int[] withBos = t.encode("<s>\nHI", false, true);
        assertThat(withBos).startsWith(1).contains(13);
        assertThat(withBos).isEqualTo(concat(new int[]{1}, t.encode("\nHI", false, false)));
        // whitespace BEFORE a special token is kept (Phi-3 tokens strip only to the right)
        assertThat(t.encode("HI \n<|end|>", false, true)).isEqualTo(concat(t.encode("HI \n", false, false), new int[]{32007}));
    }

    @Test
    void theRuleKeysOnTheModelNameLikeLlamaCpp() {
        try (GgufFile g = GgufFile.open(VocabCases.gguf("phi-3"))) {
            assertThat(g.getString("general.name")).isEqualTo("Phi3");
        }
        // the llama SPM vocabulary is not named phi-3: its control tokens keep the whitespace after them
        Tokenizer llama = Tokenizers.load(VocabCases.gguf("llama-spm"));
        assertThat(llama.encode("</s>\nHI", false, true)).isEqualTo(concat(new int[]{2}, llama.encode("\nHI", false, false)));
    }

    /** The GPT-2 vocabulary as a tokenizer.json plus added tokens with options (built once: 50k merges). */
    static Tokenizer gpt2;

    @org.junit.jupiter.api.BeforeAll
    static void gpt2WithAddedTokens(@TempDir Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("added_tokens").add(token(50257, "<R>", false, true, false)).add(token(50258, "<L>", true, false, false))
                .add(token(50259, "<P>", false, false, false)).add(token(50260, "xy", false, false, true))
                .add(token(50261, "yz", false, false, false));
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode model = root.putObject("model").put("type", "BPE");
        try (GgufFile g = GgufFile.open(VocabCases.gguf("gpt-2"))) {
            ObjectNode vocab = model.putObject("vocab");
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            for (int i = 0; i < tokens.length; i++) vocab.put(tokens[i], i);
            ArrayNode merges = model.putArray("merges");
            for (String m : g.getStringArray("tokenizer.ggml.merges")) merges.add(m);
        }
        Path p = dir.resolve("tokenizer.json");
        JSON.writeValue(p.toFile(), root);
        gpt2 = Tokenizers.load(p);
    }

    private static ObjectNode token(int id, String content, boolean lstrip, boolean rstrip, boolean singleWord) {
        return JSON.createObjectNode().put("id", id).put("content", content).put("single_word", singleWord)
                .put("lstrip", lstrip).put("rstrip", rstrip).put("normalized", false).put("special", false);
    }

    @Test
    void tokenizerJsonRstripAndLstripSwallowTheWhitespaceBesideTheToken() {
        // GPT-2 ids: x = 87, y = 88, " " = 220 (Ġ), " y" = 331 (Ġy)
        assertThat(gpt2.encode("x <R>  y")).containsExactly(87, 220, 50257, 88);
        assertThat(gpt2.encode("x  <L> y")).containsExactly(87, 50258, 331);
        // without the options both spaces stay
        assertThat(gpt2.encode("x <P> y")).containsExactly(87, 220, 50259, 331);
    }

    @Test
    void tokenizerJsonSingleWordMatchesOnlyAsAWholeWord() {
        assertThat(gpt2.encode("xy")).containsExactly(50260);
        assertThat(gpt2.encode("x xy")).containsExactly(87, 220, 50260);
        // inside a word it is not the added token: "axy" is ordinary BPE text
        assertThat(gpt2.encode("axy")).doesNotContain(50260);
        // the same without single_word matches anywhere
        assertThat(gpt2.encode("ayz")).endsWith(50261);
    }
}
