package superweight.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.SuperweightException;
import superweight.model.format.GgufWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Token ids and table sizes read from tokenizer files are checked before they size any table. */
class HostileTokenizerTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 2147483647}, \"merges\": []}} | model.vocab[\"a\"] is 2147483647, not a token id",
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -1}, \"merges\": []}} | model.vocab[\"a\"] is -1",
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"0\"}, \"merges\": []}} | model.vocab[\"a\"] is \"0\"",
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"added_tokens\": [{\"id\": 99999999, \"content\": \"x\"}]} | added_tokens id is 99999999",
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"added_tokens\": [{\"content\": \"x\"}]} | added_tokens id is ",
            "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2]}} | model.vocab is missing or not an object",
            "[] | tokenizer model type",
            // Found by FuzzTokenizerJsonTest (long run; Jazzer's regex-injection sanitizer): a pre-tokenizer regex Java cannot compile.
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[^\\\\s\\\\x{L}]+\"}, \"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}} | does not compile in Java"})
    void hostileTokenizerJson(String json, String expected) throws Exception {
        Path p = Files.writeString(tmp.resolve("tokenizer.json"), json);
        assertThatThrownBy(() -> Tokenizers.load(p)).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(p.toString()).hasMessageContaining(expected);
    }

    private static String splitting(String regex) {
        return "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"!\": 1}, \"merges\": []}, \"pre_tokenizer\": "
                + "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"" + regex
                + "\"}, \"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}}";
    }

    /**
     * A pre-tokenizer regex that backtracks for hours: (.*a){10}x on 60 a's and a '!' (java.util.regex memoizes
     * (a+)+$ and its kind, but not this: measured 1.4 s for 20 a's, 17 s for 30, growing as n^10) is refused in
     * one line naming the file and the pattern after its read budget (2^26 + 256 per character, about a second);
     * an ordinary pattern on a long text stays within the budget.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCatastrophicallyBacktrackingRegexIsRefusedInsteadOfHanging() throws Exception {
        Path p = Files.writeString(tmp.resolve("tokenizer.json"), splitting("(.*a){10}x"));
        Tokenizer t = Tokenizers.load(p);
        String text = "a".repeat(60) + "!";
        assertThatThrownBy(() -> t.encode(text, false, false)).isInstanceOf(SuperweightException.class)
                .hasMessage(p + ": regex (.*a){10}x needs more than 67124480 steps on a text of 61 characters (catastrophic "
                        + "backtracking); refusing this pattern");
        Path fine = Files.writeString(Files.createDirectories(tmp.resolve("fine")).resolve("tokenizer.json"), splitting("a+|!"));
        assertThat(Tokenizers.load(fine).encode("a".repeat(100_000) + "!".repeat(100_000), false, false)).hasSize(200_000);
    }

    /** Special ids beyond int range mean "none"; they must not wrap onto a real token. */
    @ParameterizedTest
    @CsvSource({"4294967297", "-1"})
    void ggufSpecialIdsOutsideTheVocabularyAreNone(long bos) {
        GgufWriter w = new GgufWriter();
        w.put("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", new String[]{"<unk>", "<s>", "</s>", "a"});
        w.put("tokenizer.ggml.bos_token_id", bos);
        w.put("tokenizer.ggml.add_bos_token", true);
        Path p = tmp.resolve("v.gguf");
        w.write(p);
        Tokenizer t = Tokenizers.load(p);
        assertThat(t.encode("a", true, false)).doesNotContain(1);
    }
}
