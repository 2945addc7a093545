package superweight.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.model.format.GgufFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Added tokens with lstrip / rstrip / single_word against the Rust Hugging Face tokenizers library itself (DJL's
 * binding): the GPT-2 vocabulary as a tokenizer.json with such tokens, the same texts through both. Small enough for
 * the default run (one tokenizer, a few dozen texts).
 */
class AddedTokenCrossCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode token(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {
        return JSON.createObjectNode().put("id", id).put("content", content).put("single_word", singleWord)
                .put("lstrip", lstrip).put("rstrip", rstrip).put("normalized", false).put("special", special);
    }

    @Test
    void addedTokenOptionsGiveTheIdsOfHuggingFace(@TempDir Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        root.putArray("added_tokens")
                .add(token(50256, "<|endoftext|>", true, false, false, false))
                .add(token(50257, "<|user|>", true, false, true, false))
                .add(token(50258, "<mask>", true, true, false, false))
                .add(token(50259, "<sep>", false, true, true, false))
                .add(token(50260, "zqj", false, false, false, true))   // not a GPT-2 token (HF would reuse its id)
                .add(token(50261, "<plain>", false, false, false, false));
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model").put("type", "BPE").put("byte_fallback", false).put("fuse_unk", false);
        model.putNull("dropout");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        try (GgufFile g = GgufFile.open(VocabCases.gguf("gpt-2"))) {
            ObjectNode vocab = model.putObject("vocab");
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            for (int i = 0; i < tokens.length; i++) vocab.put(tokens[i], i);
            ArrayNode merges = model.putArray("merges");
            for (String m : g.getStringArray("tokenizer.ggml.merges")) merges.add(m);
        }
        Path file = dir.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), root);
        Tokenizer ours = Tokenizers.load(file);
        List<String> texts = List.of("<|user|>\nhello", "<|user|>  \n\t hello <|endoftext|>", "a <mask> b", "a  \n<mask>",
                "x <sep> y", "x\u00a0<sep>\u2003y", "<sep><sep>", "zqj", "a zqj sat", "azqjb", "zqjs", "_zqj", "zqj_",
                "(zqj)", "é zqj é", "x <plain> y", "<|user|><mask>", " <mask> ", "\n<|user|>\n", "<|endoftext|> \n text",
                "<mask>zqj", "zqj<mask>", "tom-zqj", "zqj\u0301", "3zqj", "zqj3", "zqjzqj");
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
            for (String t : texts) {
                int[] expected = Arrays.stream(reference.encode(t).getIds()).mapToInt(Math::toIntExact).toArray();
                assertThat(ours.encode(t, false, true)).as("%s", t.replace("\n", "\\n")).containsExactly(expected);
            }
        }
    }
}
