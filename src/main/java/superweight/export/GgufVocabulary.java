package superweight.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer.json (+ tokenizer_config.json) as llama.cpp's {@code tokenizer.ggml.*} metadata:
 * <ul>
 *   <li>SentencePiece-style BPE (byte_fallback, U+2581 spaces; Llama, Mistral, Phi-3) becomes model "llama" with
 *   scores: llama.cpp's SPM tokenizer merges the adjacent pair whose joined piece scores highest, so a piece
 *   gets -(rank of the first merge that builds it), which replays the merge list in order; pieces no merge builds
 *   get lower scores than any merge, by id.</li>
 *   <li>byte-level BPE (GPT-2 style) becomes model "gpt2" with the merges and a {@code tokenizer.ggml.pre}
 *   recognised from the pre-tokenizer's split regex (llama-bpe, qwen2, else gpt-2).</li>
 * </ul>
 * Token types: 1 normal, 2 unknown, 3 control (special added tokens), 4 user-defined, 6 byte (&lt;0xNN&gt; pieces).
 */
final class GgufVocabulary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufVocabulary() {
    }

    static Map<String, Object> fromTokenizerJson(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        JsonNode root = read(file);
        JsonNode config = Files.isRegularFile(dir.resolve("tokenizer_config.json")) ? read(dir.resolve("tokenizer_config.json")) : JSON.createObjectNode();
        JsonNode model = root.path("model");
        String type = model.path("type").asText(model.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) throw new SuperweightException(file + ": tokenizer model " + type + " cannot be written to GGUF (only BPE)");
        TokenTable table = tokenTable(root, model);
        String[] tokens = table.tokens;
        int[] types = table.types;
        Map<String, Integer> ids = table.ids;
        String unkPiece = model.path("unk_token").asText(tokenText(config.path("unk_token")));
        if (unkPiece != null && ids.containsKey(unkPiece)) types[ids.get(unkPiece)] = 2;
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());

        Map<String, Object> meta = new LinkedHashMap<>();
        boolean byteLevel = mentions(root.path("pre_tokenizer"), "ByteLevel") || mentions(root.path("decoder"), "ByteLevel");
        if (byteLevel) {
            meta.put("tokenizer.ggml.model", "gpt2");
            meta.put("tokenizer.ggml.pre", pre(root.path("pre_tokenizer")));
            meta.put("tokenizer.ggml.tokens", tokens);
            meta.put("tokenizer.ggml.token_type", types);
            meta.put("tokenizer.ggml.merges", merges.toArray(String[]::new));
        } else {
            meta.put("tokenizer.ggml.model", "llama");
            meta.put("tokenizer.ggml.tokens", tokens);
            meta.put("tokenizer.ggml.scores", mergeScores(tokens, merges));
            meta.put("tokenizer.ggml.token_type", types);
            meta.put("tokenizer.ggml.add_space_prefix", addsSpacePrefix(root));
        }
        putId(meta, "bos_token_id", ids.get(tokenText(config.path("bos_token"))));
        putId(meta, "eos_token_id", ids.get(tokenText(config.path("eos_token"))));
        putId(meta, "unknown_token_id", unkPiece == null ? null : ids.get(unkPiece));
        putId(meta, "padding_token_id", ids.get(tokenText(config.path("pad_token"))));
        if (config.has("add_bos_token")) meta.put("tokenizer.ggml.add_bos_token", config.get("add_bos_token").asBoolean());
        else if (!byteLevel) meta.put("tokenizer.ggml.add_bos_token", true);
        if (config.has("add_eos_token")) meta.put("tokenizer.ggml.add_eos_token", config.get("add_eos_token").asBoolean());
        if (config.path("chat_template").isTextual()) meta.put("tokenizer.chat_template", config.get("chat_template").asText());
        return meta;
    }

    /** Every id's piece and GGUF token type, and the id of each piece (added tokens included). */
    private record TokenTable(String[] tokens, int[] types, Map<String, Integer> ids) {
    }

    /** The vocabulary of tokenizer.json: ids without a piece become unused "[PADi]" entries, as llama.cpp's converter writes them. */
    private static TokenTable tokenTable(JsonNode root, JsonNode model) {
        Map<String, Integer> ids = new HashMap<>();
        model.path("vocab").properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
        int size = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (JsonNode t : root.path("added_tokens")) size = Math.max(size, t.path("id").asInt() + 1);
        String[] tokens = new String[size];
        int[] types = new int[size];
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        for (int i = 0; i < size; i++) {
            tokens[i] = "[PAD" + i + "]";
            types[i] = 5; // unused id
        }
        ids.forEach((piece, id) -> {
            tokens[id] = piece;
            types[id] = byteFallback && piece.matches("<0x[0-9A-F]{2}>") ? 6 : 1;
        });
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            tokens[id] = t.path("content").asText();
            types[id] = t.path("special").asBoolean(false) ? 3 : 4;
            ids.put(tokens[id], id);
        }
        return new TokenTable(tokens, types, ids);
    }

    static float[] mergeScores(String[] tokens, List<String> merges) {
        Map<String, Integer> firstRank = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            String m = merges.get(r);
            int sp = m.indexOf(' ', 1);
            firstRank.putIfAbsent(m.substring(0, sp) + m.substring(sp + 1), r);
        }
        float[] scores = new float[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            Integer r = firstRank.get(tokens[i]);
            scores[i] = r != null ? -r : -(merges.size() + (float) i);
        }
        return scores;
    }

    /** llama.cpp's pre-tokenizer name for the split regex of a byte-level BPE. */
    private static String pre(JsonNode preTokenizer) {
        String regex = findRegex(preTokenizer);
        if (regex == null) return "gpt-2";
        if (regex.contains("\\p{N}{1,3}")) return "llama-bpe";
        if (regex.startsWith("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|")) return "qwen2";
        return "gpt-2";
    }

    private static String findRegex(JsonNode n) {
        if (n.path("type").asText().equals("Split") && n.path("pattern").has("Regex")) return n.path("pattern").path("Regex").asText();
        for (JsonNode c : n.path("pretokenizers")) {
            String r = findRegex(c);
            if (r != null) return r;
        }
        return null;
    }

    private static boolean addsSpacePrefix(JsonNode root) {
        JsonNode pre = root.path("pre_tokenizer");
        if (pre.path("type").asText("").equals("Metaspace")) {
            String scheme = pre.path("prepend_scheme").asText(pre.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            return !scheme.equals("never");
        }
        return mentions(root.path("normalizer"), "Prepend");
    }

    private static boolean mentions(JsonNode n, String type) {
        if (n.path("type").asText().equals(type)) return true;
        for (JsonNode c : n.path("pretokenizers")) if (mentions(c, type)) return true;
        for (JsonNode c : n.path("normalizers")) if (mentions(c, type)) return true;
        for (JsonNode c : n.path("decoders")) if (mentions(c, type)) return true;
        return false;
    }

    private static String tokenText(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (n.path("content").isTextual()) return n.path("content").asText();
        return null;
    }

    private static void putId(Map<String, Object> meta, String key, Integer id) {
        if (id != null) meta.put("tokenizer.ggml." + key, id);
    }

    private static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new SuperweightException(p + ": cannot read JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }
}
