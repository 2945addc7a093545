package superweight.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.model.format.GgufFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hugging Face tokenizer.json loading: the shared GGUF vocabularies are rewritten as tokenizer.json files the way
 * the Hugging Face converters lay them out, and must give the reference ids of the .out files.
 */
class HfTokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Gguf(String[] tokens, float[] scores, int[] types, String[] merges) {
        static Gguf read(String name) {
            try (GgufFile g = GgufFile.open(VocabCases.gguf(name))) {
                return new Gguf(g.getStringArray("tokenizer.ggml.tokens"), g.getFloatArray("tokenizer.ggml.scores"),
                        g.getIntArray("tokenizer.ggml.token_type"), g.getStringArray("tokenizer.ggml.merges"));
            }
        }
    }

    private static ObjectNode bpeModel(Gguf g, boolean byteFallback) {
        ObjectNode model = JSON.createObjectNode().put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < g.tokens.length; i++) vocab.put(g.tokens[i], i);
        model.put("byte_fallback", byteFallback);
        return model;
    }

    private static ArrayNode addedTokens(Gguf g, ObjectNode root) {
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < g.tokens.length; i++) {
            if (g.types[i] == 3) added.addObject().put("id", i).put("content", g.tokens[i]).put("special", true);
        }
        return added;
    }

    private Path write(ObjectNode root) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        JSON.writeValue(p.toFile(), root);
        return p;
    }

    private static void assertMatchesReference(Tokenizer t, String vocab) {
        for (VocabCases.Case c : VocabCases.cases(vocab)) {
            assertThat(TestVectors.formatIds(t.encode(c.text()))).as("%s string %d", vocab, c.index())
                    .isEqualTo(TestVectors.formatIds(c.expected()));
        }
    }

    @Test
    void byteLevelBpeLikeGpt2() throws IOException {
        Gguf g = Gguf.read("gpt-2");
        ObjectNode root = JSON.createObjectNode();
        addedTokens(g, root);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode model = bpeModel(g, false);
        ArrayNode merges = model.putArray("merges");
        for (String m : g.merges) merges.add(m);
        root.set("model", model);
        assertMatchesReference(Tokenizers.load(write(root)), "gpt-2");
    }

    @Test
    void byteLevelBpeWithDigitSplittingSequenceLikeStarcoder() throws IOException {
        Gguf g = Gguf.read("starcoder");
        ObjectNode root = JSON.createObjectNode();
        addedTokens(g, root);
        ArrayNode seq = root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        seq.addObject().put("type", "Digits").put("individual_digits", true);
        seq.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        ObjectNode model = bpeModel(g, false);
        ArrayNode merges = model.putArray("merges"); // the newer [left, right] form
        for (String m : g.merges) {
            int sp = m.indexOf(' ', 1);
            merges.addArray().add(m.substring(0, sp)).add(m.substring(sp + 1));
        }
        root.set("model", model);
        // Loading through the .safetensors beside it exercises the "look beside the weights" rule.
        write(root);
        Files.writeString(dir.resolve("model.safetensors"), "");
        assertMatchesReference(Tokenizers.load(dir.resolve("model.safetensors")), "starcoder");
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {}}");
        // Sharded checkpoints are named by their index file; "333333" -> six single digits ("3" = 56 in the .out file).
        assertThat(Tokenizers.load(dir.resolve("model.safetensors.index.json")).encode("333333"))
                .containsExactly(56, 56, 56, 56, 56, 56);
    }

    /** SentencePiece-style: merges listed the way HF's converter derives them, by the merged piece's score. */
    private ObjectNode llamaJson() {
        Gguf g = Gguf.read("llama-spm");
        ObjectNode root = JSON.createObjectNode();
        addedTokens(g, root);
        ArrayNode norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
        norms.addObject().put("type", "Replace").put("content", "\u2581").putObject("pattern").put("String", " ");
        java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        for (int i = 0; i < g.tokens.length; i++) ids.put(g.tokens[i], i);
        record Merge(String left, String right, float score, int id) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int i = 0; i < g.tokens.length; i++) {
            if (g.types[i] != 1) continue;
            String p = g.tokens[i];
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                if (ids.containsKey(p.substring(0, k)) && ids.containsKey(p.substring(k))) {
                    merges.add(new Merge(p.substring(0, k), p.substring(k), g.scores[i], i));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score).thenComparingInt(m -> m.id)
                .thenComparingInt(m -> ids.get(m.left)));
        ObjectNode model = bpeModel(g, true);
        model.put("unk_token", "<unk>");
        ArrayNode list = model.putArray("merges");
        for (Merge m : merges) list.add(m.left + " " + m.right);
        root.set("model", model);
        return root;
    }

    @Test
    void sentencePieceStyleBpeWithByteFallbackLikeLlama() throws IOException {
        Tokenizer t = Tokenizers.load(write(llamaJson()));
        assertMatchesReference(t, "llama-spm");
        assertThat(t.decode(t.encode(" this is 🦙.cpp"))).isEqualTo(" this is 🦙.cpp");
    }

    /** The newer layout: no normalizer, a Metaspace pre-tokenizer that prepends U+2581 (split off, as Llama sets it). */
    @Test
    void sentencePieceStyleBpeWithMetaspace() throws IOException {
        ObjectNode root = llamaJson();
        root.remove("normalizer");
        ObjectNode meta = root.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "first").put("split", false);
        assertMatchesReference(Tokenizers.load(write(root)), "llama-spm");

        // With split on, every U+2581 starts a new word: "  Hello" (with the prefix "\u2581\u2581\u2581Hello") becomes
        // "\u2581" + "\u2581" + "\u2581Hello", where SentencePiece without splitting gives "\u2581\u2581" + "\u2581Hello".
        meta.put("split", true);
        Gguf g = Gguf.read("llama-spm");
        List<String> tokens = java.util.Arrays.asList(g.tokens);
        assertThat(Tokenizers.load(write(root)).encode("  Hello"))
                .containsExactly(tokens.indexOf("\u2581"), tokens.indexOf("\u2581"), tokens.indexOf("\u2581Hello"));
    }

    @Test
    void tokenizerConfigDecidesBos() throws IOException {
        write(llamaJson());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}");
        Tokenizer withBos = Tokenizers.load(dir);
        assertThat(withBos.addBosByDefault()).isTrue();
        assertThat(withBos.bosId()).isEqualTo(1);
        assertThat(withBos.eosId()).isEqualTo(2);
        assertThat(withBos.encode("Hello world", true, false)).containsExactly(1, 15043, 3186);

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": false, \"bos_token\": {\"content\": \"<s>\"}}");
        Tokenizer without = Tokenizers.load(dir);
        assertThat(without.addBosByDefault()).isFalse();
        assertThat(without.bosId()).isEqualTo(1);
    }

    @Test
    void wordPieceLikeBert() throws IOException {
        Gguf g = Gguf.read("bert-bge");
        ObjectNode root = JSON.createObjectNode();
        addedTokens(g, root);
        root.putObject("normalizer").put("type", "BertNormalizer").put("lowercase", true).put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents");
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode pp = root.putObject("post_processor").put("type", "BertProcessing");
        pp.putArray("cls").add("[CLS]").add(101);
        pp.putArray("sep").add("[SEP]").add(102);
        ObjectNode model = root.putObject("model").put("type", "WordPiece").put("unk_token", "[UNK]")
                .put("continuing_subword_prefix", "##").put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < g.tokens.length; i++) {
            String p = g.tokens[i];
            // Undo llama.cpp's phantom-space form: "\u2581word" -> "word", "piece" -> "##piece".
            vocab.put(g.types[i] == 3 ? p : p.startsWith("\u2581") ? p.substring(1) : "##" + p, i);
        }
        Tokenizer t = Tokenizers.load(write(root));
        assertMatchesReference(t, "bert-bge");
        assertThat(t.encode("hello", true, false)[0]).isEqualTo(101);
        assertThat(t.decode(t.encode("Hello World"))).isEqualTo("hello world");
    }
}
