package superweight.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;
import superweight.tokenizer.TestVectors;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * tokenizer.json → GGUF tokenizer metadata: the shared reference vocabularies are laid out as Hugging Face
 * tokenizer.json files (byte-level BPE with merges; SentencePiece-style BPE with byte fallback, merges derived
 * from the pieces' scores as HF's converter does), converted to GGUF metadata, written to a GGUF, loaded back
 * through the GGUF tokenizer, and must give the reference ids of the upstream .out files for every test string.
 */
class GgufVocabularyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "llama-spm"})
    void convertedVocabularyReproducesTheReferenceIds(String vocab) throws Exception {
        Path ref = Fixtures.shared().resolve("vocab/ggml-vocab-" + vocab + ".gguf");
        ObjectNode root;
        try (GgufFile g = GgufFile.open(ref)) {
            root = vocab.equals("gpt-2") ? byteLevel(g) : sentencePiece(g);
        }
        Files.writeString(dir.resolve("tokenizer.json"), root.toString());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": false}");
        GgufWriter w = new GgufWriter().put("general.architecture", "llama");
        GgufVocabulary.fromTokenizerJson(dir).forEach(w::put);
        Path out = dir.resolve("vocab.gguf");
        w.write(out);
        try (GgufFile g = GgufFile.open(out)) {
            assertThat(g.getString("tokenizer.ggml.model")).isEqualTo(vocab.equals("gpt-2") ? "gpt2" : "llama");
            if (vocab.equals("gpt-2")) assertThat(g.getString("tokenizer.ggml.pre")).isEqualTo("gpt-2");
        }
        Tokenizer t = Tokenizers.load(out);
        List<String> inputs = TestVectors.parseInputs(Files.readString(Path.of(ref + ".inp")));
        List<String> expected = Files.readAllLines(Path.of(ref + ".out"));
        assertThat(inputs).hasSize(expected.size());
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(TestVectors.formatIds(t.encode(inputs.get(i)))).as("%s string %d", vocab, i).isEqualTo(expected.get(i));
        }
    }

    private static ObjectNode common(GgufFile g, boolean byteFallback) {
        String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
        int[] types = g.getIntArray("tokenizer.ggml.token_type");
        ObjectNode root = JSON.createObjectNode();
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] == 3) added.addObject().put("id", i).put("content", tokens[i]).put("special", true);
        }
        ObjectNode model = root.putObject("model").put("type", "BPE").put("byte_fallback", byteFallback);
        ObjectNode v = model.putObject("vocab");
        for (int i = 0; i < tokens.length; i++) v.put(tokens[i], i);
        return root;
    }

    private static ObjectNode byteLevel(GgufFile g) {
        ObjectNode root = common(g, false);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        ArrayNode merges = ((ObjectNode) root.get("model")).putArray("merges");
        for (String m : g.getStringArray("tokenizer.ggml.merges")) merges.add(m);
        return root;
    }

    /** As HF's LlamaConverter: every split of a normal piece into two pieces is a merge, ordered by the piece's score. */
    private static ObjectNode sentencePiece(GgufFile g) {
        ObjectNode root = common(g, true);
        String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
        float[] scores = g.getFloatArray("tokenizer.ggml.scores");
        int[] types = g.getIntArray("tokenizer.ggml.token_type");
        ArrayNode norms = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
        norms.addObject().put("type", "Replace").put("content", "\u2581").putObject("pattern").put("String", " ");
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) ids.put(tokens[i], i);
        record Merge(String left, String right, float score, int id) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] != 1) continue;
            String p = tokens[i];
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                if (ids.containsKey(p.substring(0, k)) && ids.containsKey(p.substring(k))) {
                    merges.add(new Merge(p.substring(0, k), p.substring(k), scores[i], i));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score).thenComparingInt(m -> m.id).thenComparingInt(m -> ids.get(m.left)));
        ObjectNode model = (ObjectNode) root.get("model");
        model.put("unk_token", "<unk>");
        ArrayNode list = model.putArray("merges");
        for (Merge m : merges) list.add(m.left + " " + m.right);
        return root;
    }
}
