package superweight.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;
import superweight.io.JsonFiles;
import superweight.model.arch.ConfigLimits;

import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Builds a tokenizer from a Hugging Face tokenizer.json (models BPE and WordPiece; BPE either byte-level or
 * SentencePiece-style with byte fallback) and the tokenizer_config.json beside it (add_bos_token, bos/eos tokens).
 * Pre-tokenizers and normalizers are interpreted from the JSON; unsupported kinds are reported, not guessed.
 */
final class HfTokenizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfTokenizers() {
    }

    /** The model's token table plus the added tokens, with each id's piece, type and reverse lookup. */
    private record Table(Map<String, Integer> model, String[] pieces, TokenType[] types, Map<String, Integer> ids) {
    }

    /** BOS/EOS/UNK and the post-processor template's first and last special tokens. */
    private record Specials(int bos, int eos, int unk, boolean addBos, int templateFirst, int templateLast) {
    }

    static Tokenizer load(Path tokenizerJson) {
        String where = tokenizerJson.toString();
        JsonNode root = read(tokenizerJson);
        JsonNode config = readOptional(tokenizerJson.resolveSibling("tokenizer_config.json"));
        JsonNode model = root.path("model");
        String type = modelType(model, where);
        Table table = table(root, model, where);
        Specials sp = specials(root, config, model, table.ids());
        if (type.equals("WordPiece")) return wordPiece(root, config, model, table, sp, where);
        Vocabulary v = withAddedTokenOptions(new Vocabulary(table.pieces(), null, table.types(), sp.bos(), sp.eos(), sp.unk(), sp.addBos()), root);
        List<String[]> merges = merges(model.path("merges"), where);
        UnaryOperator<String> normalizer = normalizer(root.path("normalizer"), where);
        if (mentions(root.path("pre_tokenizer"), "ByteLevel") || mentions(root.path("decoder"), "ByteLevel")) {
            PreTokenizer pre = new PreTokenizer(steps(root.path("pre_tokenizer"), where));
            return new ByteLevelBpe(v, merges, pre, model.path("ignore_merges").asBoolean(false), normalizer);
        }
        JsonNode pre = root.path("pre_tokenizer");
        boolean metaspace = pre.path("type").asText("").equals("Metaspace");
        return SentencePieceBpe.fromMerges(v, merges, spaceSentencePiece(root, where), metaspace && pre.path("split").asBoolean(true),
                normalizer, !metaspace);
    }

    private static String modelType(JsonNode model, String where) {
        String type = model.path("type").asText("");
        if (type.isEmpty() && model.has("merges")) type = "BPE"; // old files omit the type of BPE models
        if (!type.equals("BPE") && !type.equals("WordPiece")) {
            throw new SuperweightException(where + ": tokenizer model type \"" + type + "\" is not supported (supported: BPE, WordPiece)");
        }
        return type;
    }

    /** The model's vocabulary plus added tokens (special ones are control tokens, the others user-defined). */
    private static Table table(JsonNode root, JsonNode model, String where) {
        Map<String, Integer> table = new HashMap<>();
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject()) throw new SuperweightException(where + ": model.vocab is missing or not an object");
        vocabNode.properties().forEach(e -> table.put(e.getKey(), tokenIdField(e.getValue(), where, "model.vocab[\"" + e.getKey() + "\"]")));
        int size = table.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (JsonNode t : root.path("added_tokens")) size = Math.max(size, tokenIdField(t.path("id"), where, "added_tokens id") + 1);
        String[] pieces = new String[size];
        TokenType[] types = new TokenType[size];
        java.util.Arrays.fill(pieces, "");
        java.util.Arrays.fill(types, TokenType.UNUSED);
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        table.forEach((piece, id) -> {
            if (id < 0) throw new SuperweightException(where + ": negative id " + id + " for \"" + piece + "\"");
            pieces[id] = piece;
            types[id] = byteFallback && piece.matches("<0x[0-9A-F]{2}>") ? TokenType.BYTE : TokenType.NORMAL;
        });
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            if (id < 0) throw new SuperweightException(where + ": negative added token id " + id);
            pieces[id] = t.path("content").asText();
            types[id] = t.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < size; i++) if (types[i] != TokenType.UNUSED) ids.put(pieces[i], i);
        return new Table(table, pieces, types, ids);
    }

    /** Special ids: tokenizer_config.json first, then the post-processor's template. */
    private static Specials specials(JsonNode root, JsonNode config, JsonNode model, Map<String, Integer> ids) {
        int templateFirst = templateSpecial(root.path("post_processor"), true, ids);
        int templateLast = templateSpecial(root.path("post_processor"), false, ids);
        int bos = tokenId(config.path("bos_token"), ids, templateFirst);
        int eos = tokenId(config.path("eos_token"), ids, -1);
        boolean addBos = config.has("add_bos_token") ? config.path("add_bos_token").asBoolean() : templateFirst >= 0;
        int unk = model.hasNonNull("unk_token") ? ids.getOrDefault(model.path("unk_token").asText(), -1) : -1;
        if (unk < 0) unk = tokenId(config.path("unk_token"), ids, -1);
        return new Specials(bos, eos, unk, addBos, templateFirst, templateLast);
    }

    /**
     * The added tokens' {@code lstrip}, {@code rstrip}, {@code single_word} and {@code normalized} options, as Hugging
     * Face tokenizers applies them when it cuts added tokens out of the text (whitespace = Rust's
     * char::is_whitespace). A missing {@code normalized} is Hugging Face's default for the token kind: true unless
     * special.
     */
    private static Vocabulary withAddedTokenOptions(Vocabulary v, JsonNode root) {
        v.unicodeStrip = true;
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            v.set(id, Vocabulary.LSTRIP, t.path("lstrip").asBoolean(false));
            v.set(id, Vocabulary.RSTRIP, t.path("rstrip").asBoolean(false));
            v.set(id, Vocabulary.SINGLE_WORD, t.path("single_word").asBoolean(false));
            v.set(id, Vocabulary.NORMALIZED, t.path("normalized").asBoolean(!t.path("special").asBoolean(false)));
        }
        return v;
    }

    private static Tokenizer wordPiece(JsonNode root, JsonNode config, JsonNode model, Table table, Specials sp, String where) {
        String pre = root.path("pre_tokenizer").path("type").asText("BertPreTokenizer");
        if (!pre.equals("BertPreTokenizer")) {
            throw new SuperweightException(where + ": WordPiece with pre-tokenizer " + pre + " is not supported (expected BertPreTokenizer)");
        }
        String prefix = model.path("continuing_subword_prefix").asText("##");
        Map<String, Integer> initial = new HashMap<>();
        Map<String, Integer> continuation = new HashMap<>();
        table.model().forEach((piece, id) -> {
            if (piece.startsWith(prefix) && piece.length() > prefix.length()) continuation.put(piece.substring(prefix.length()), id);
            else initial.put(piece, id);
        });
        Map<String, Integer> ids = table.ids();
        int cls = sp.templateFirst() >= 0 ? sp.templateFirst() : tokenId(config.path("cls_token"), ids, ids.getOrDefault("[CLS]", -1));
        int sep = sp.templateLast() >= 0 ? sp.templateLast() : tokenId(config.path("sep_token"), ids, ids.getOrDefault("[SEP]", -1));
        Vocabulary v = withAddedTokenOptions(new Vocabulary(table.pieces(), null, table.types(), cls, sep, sp.unk(),
                sp.addBos() || sp.templateFirst() >= 0), root);
        return new WordPiece(v, initial, continuation, bertOptions(root.path("normalizer"), model, where), cls, sep);
    }

    /** For SentencePiece-style BPE: checks that spaces become U+2581 and reports whether a dummy prefix is added. */
    private static boolean spaceSentencePiece(JsonNode root, String where) {
        JsonNode pre = root.path("pre_tokenizer");
        if (pre.path("type").asText("").equals("Metaspace")) {
            if (!pre.path("replacement").asText("\u2581").equals("\u2581")) {
                throw new SuperweightException(where + ": Metaspace replacement other than U+2581 is not supported");
            }
            String scheme = pre.path("prepend_scheme").asText(pre.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            return !scheme.equals("never");
        }
        if (!pre.isMissingNode() && !pre.isNull()) {
            throw new SuperweightException(where + ": pre-tokenizer " + pre.path("type").asText() + " is not supported for a"
                    + " SentencePiece-style BPE (expected Metaspace or none)");
        }
        boolean prefix = false;
        boolean replacesSpace = false;
        for (JsonNode n : flatten(root.path("normalizer"))) {
            switch (n.path("type").asText()) {
                case "Prepend" -> prefix = n.path("prepend").asText().equals("\u2581");
                case "Replace" -> replacesSpace |= n.path("pattern").path("String").asText().equals(" ")
                        && n.path("content").asText().equals("\u2581");
                default -> throw new SuperweightException(where + ": normalizer " + n.path("type").asText()
                        + " is not supported for a SentencePiece-style BPE");
            }
        }
        if (!replacesSpace) {
            throw new SuperweightException(where + ": BPE without ByteLevel nor a space-to-U+2581 rule is not supported");
        }
        return prefix;
    }

    private static List<JsonNode> flatten(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isMissingNode() || n.isNull()) return out;
        String t = n.path("type").asText();
        if (t.equals("Sequence")) {
            JsonNode items = n.has("normalizers") ? n.path("normalizers") : n.path("pretokenizers");
            for (JsonNode c : items) out.addAll(flatten(c));
        } else {
            out.add(n);
        }
        return out;
    }

    private static boolean mentions(JsonNode n, String type) {
        for (JsonNode c : flatten(n)) if (c.path("type").asText().equals(type)) return true;
        return false;
    }

    private static UnaryOperator<String> normalizer(JsonNode n, String where) {
        UnaryOperator<String> f = UnaryOperator.identity();
        for (JsonNode c : flatten(n)) {
            UnaryOperator<String> g = switch (c.path("type").asText()) {
                case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
                case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
                case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
                case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
                case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
                case "Prepend" -> {
                    String p = c.path("prepend").asText();
                    yield s -> s.isEmpty() ? s : p + s;
                }
                case "Replace" -> {
                    Pattern p = pattern(c.path("pattern"), where);
                    String content = java.util.regex.Matcher.quoteReplacement(c.path("content").asText());
                    yield s -> p.matcher(new BudgetedText(s, p.pattern(), where)).replaceAll(content);
                }
                default -> throw new SuperweightException(where + ": normalizer " + c.path("type").asText() + " is not supported");
            };
            UnaryOperator<String> before = f;
            f = s -> g.apply(before.apply(s));
        }
        return f;
    }

    private static List<PreTokenizer.Step> steps(JsonNode n, String where) {
        List<PreTokenizer.Step> steps = new ArrayList<>();
        for (JsonNode c : flatten(n)) {
            switch (c.path("type").asText()) {
                case "ByteLevel" -> {
                    if (c.path("add_prefix_space").asBoolean(false)) {
                        steps.add((piece, out) -> out.add(piece.startsWith(" ") ? piece : " " + piece));
                    }
                    if (c.path("use_regex").asBoolean(true)) steps.add(PreTokenizer.isolate(PreTokenizer.GPT2, where));
                }
                case "Split" -> {
                    if (c.path("invert").asBoolean(false)) {
                        throw new SuperweightException(where + ": inverted Split pre-tokenizer is not supported");
                    }
                    PreTokenizer.Behavior b = switch (c.path("behavior").asText("Isolated")) {
                        case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
                        case "Removed" -> PreTokenizer.Behavior.REMOVED;
                        case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
                        case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
                        default -> throw new SuperweightException(where + ": Split behavior "
                                + c.path("behavior").asText() + " is not supported");
                    };
                    steps.add(PreTokenizer.regex(pattern(c.path("pattern"), where).pattern(), b, where));
                }
                case "Digits" -> steps.add(PreTokenizer.isolate(c.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+", where));
                case "Punctuation" -> steps.add(PreTokenizer.isolate("\\p{P}", where));
                case "WhitespaceSplit" -> steps.add(PreTokenizer.regex("\\s+", PreTokenizer.Behavior.REMOVED, where));
                default -> throw new SuperweightException(where + ": pre-tokenizer " + c.path("type").asText()
                        + " is not supported");
            }
        }
        return steps;
    }

    private static Pattern pattern(JsonNode p, String where) {
        if (p.has("String")) return Pattern.compile(Pattern.quote(p.path("String").asText()));
        if (p.has("Regex")) {
            try {
                return Pattern.compile(p.path("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
            } catch (RuntimeException e) {
                throw new SuperweightException(where + ": regex " + p.path("Regex").asText() + " does not compile in Java ("
                        + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }
        throw new SuperweightException(where + ": pattern " + p + " is neither String nor Regex");
    }

    private static WordPiece.Options bertOptions(JsonNode normalizer, JsonNode model, String where) {
        int maxChars = model.path("max_input_chars_per_word").asInt(100);
        if (normalizer.isMissingNode() || normalizer.isNull()) return new WordPiece.Options(false, false, false, false, maxChars);
        if (!normalizer.path("type").asText().equals("BertNormalizer")) {
            throw new SuperweightException(where + ": WordPiece normalizer " + normalizer.path("type").asText()
                    + " is not supported (expected BertNormalizer)");
        }
        boolean lowercase = normalizer.path("lowercase").asBoolean(true);
        JsonNode strip = normalizer.path("strip_accents");
        return new WordPiece.Options(normalizer.path("clean_text").asBoolean(true),
                normalizer.path("handle_chinese_chars").asBoolean(true),
                strip.isNull() || strip.isMissingNode() ? lowercase : strip.asBoolean(), lowercase, maxChars);
    }

    private static List<String[]> merges(JsonNode node, String where) {
        List<String[]> out = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        for (JsonNode m : node) {
            if (m.isArray() && m.size() == 2) out.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            else if (m.isTextual()) strings.add(m.asText());
            else throw new SuperweightException(where + ": malformed merge " + m);
        }
        if (!strings.isEmpty()) out.addAll(GgufTokenizers.splitMerges(strings.toArray(String[]::new), where));
        return out;
    }

    /** The first (or last) special token of the post-processor's single-sequence template, or -1. */
    private static int templateSpecial(JsonNode pp, boolean first, Map<String, Integer> ids) {
        for (JsonNode p : flatten(pp)) {
            switch (p.path("type").asText()) {
                case "TemplateProcessing" -> {
                    JsonNode single = p.path("single");
                    if (single.isEmpty()) continue;
                    JsonNode item = single.get(first ? 0 : single.size() - 1);
                    if (item.has("SpecialToken")) return ids.getOrDefault(item.path("SpecialToken").path("id").asText(), -1);
                }
                case "BertProcessing", "RobertaProcessing" -> {
                    JsonNode pair = p.path(first ? "cls" : "sep");
                    if (pair.isArray() && pair.size() == 2) return pair.get(1).asInt();
                }
                default -> {
                }
            }
        }
        return -1;
    }

    /** A token id read from the file: an integer in 0..MAX_VOCAB-1, checked before it sizes the tables. */
    private static int tokenIdField(JsonNode id, String where, String field) {
        if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= ConfigLimits.MAX_VOCAB) {
            throw new SuperweightException(where + ": " + field + " is " + id + ", not a token id in 0.." + (ConfigLimits.MAX_VOCAB - 1));
        }
        return id.asInt();
    }

    private static int tokenId(JsonNode token, Map<String, Integer> ids, int fallback) {
        String text = token.isTextual() ? token.asText() : token.path("content").isTextual() ? token.path("content").asText() : null;
        if (text == null) return fallback;
        return ids.getOrDefault(text, fallback);
    }

    /** tokenizer.json files of 256k-token vocabularies are about 35 MB; 512 MiB leaves room and bounds the heap. */
    private static JsonNode read(Path p) {
        return JsonFiles.read(p, 512L << 20);
    }

    private static JsonNode readOptional(Path p) {
        return Files.isRegularFile(p) ? read(p) : JSON.createObjectNode();
    }
}
