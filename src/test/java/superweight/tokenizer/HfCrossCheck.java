package superweight.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import superweight.Fixtures;
import superweight.model.format.GgufFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the cross-checks against the Rust Hugging Face {@code tokenizers} library (the reference most models are
 * published with; reached through DJL's JNI binding) share: tokenizer.json files built from shared GGUF
 * vocabularies in the dialect of each model family (byte-level BPE with the GPT-2, Llama 3, Qwen2 and StarCoder
 * pre-tokenizers, SentencePiece-style BPE with byte fallback, WordPiece), the input texts, and the comparison.
 */
final class HfCrossCheck {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The pre-tokenizer regexes of Llama 3 and Qwen2 tokenizer.json files (they differ only in digit runs). */
    private static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** GGUF {@code tokenizer.ggml.token_type} codes (the GGUF specification's numbering). */
    private static final int NORMAL = 1;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;

    /** Code points that stress the pre-tokenizers: contractions, combining marks, digits of several scripts, every
     *  kind of whitespace, emoji with ZWJ, soft hyphen, U+FFFD, CJK, Hangul, Thai. */
    private static final int[] STRESS_ALPHABET = {'a', 'b', 's', 't', 'r', 'e', 'v', 'l', 'm', 'd', 'Z', 'é', 'Ж',
            '中', 0x0301, 'L', 'S', 'T', '0', '7', 0x0663, 0x00B2, 0x2167, ' ', ' ', ' ', '\n', '\t', '\r', 0x0B, 0xA0,
            0x3000, 0x2009, 0x85, '\'', '\'', '.', ',', '!', '-', '$', '~', 0x1F999, 0x1F600, 0x200D, 0xFFFD, 0x00AD,
            0xFF5E, '가', 0x0E01};
    private static final int WIKI_CHUNK_CHARS = 2000;

    private HfCrossCheck() {
    }

    /** One input with where it came from, so that a failure names it. */
    record Text(String origin, String text) {
    }

    /** The tokenizer fields of a vocabulary-only GGUF; {@code scores} and {@code merges} may be null. */
    record Vocab(String[] tokens, int[] types, float[] scores, String[] merges) {
        static Vocab read(String name) {
            try (GgufFile g = GgufFile.open(VocabCases.gguf(name))) {
                return new Vocab(g.getStringArray("tokenizer.ggml.tokens"), g.getIntArray("tokenizer.ggml.token_type"),
                        g.getFloatArray("tokenizer.ggml.scores"), g.getStringArray("tokenizer.ggml.merges"));
            }
        }
    }

    /**
     * A tokenizer.json built from the GGUF vocabulary {@code vocab}. {@code ggufMatches} says whether the GGUF's own
     * pre-tokenizer is the one this tokenizer.json describes, so that the GGUF loaded directly must agree too.
     */
    record Variant(String name, String vocab, Function<Vocab, ObjectNode> build, boolean ggufMatches) {
        @Override
        public String toString() {
            return name;
        }

        Path writeJson(Path work) throws IOException {
            Path dir = Files.createDirectories(work.resolve(name));
            Path file = dir.resolve("tokenizer.json");
            JSON.writeValue(file.toFile(), build.apply(Vocab.read(vocab)));
            return file;
        }
    }

    /** Every tokenizer.json dialect the loader reads, each over a shared vocabulary. */
    static Stream<Variant> variants() {
        return Stream.of(
                new Variant("gpt2-bytelevel", "gpt-2", v -> byteLevelBpe(v, byteLevel(true)), true),
                new Variant("gpt2-llama3-split", "gpt-2", v -> {
                    ObjectNode root = byteLevelBpe(v, splitThenByteLevel(LLAMA3_SPLIT));
                    ((ObjectNode) root.get("model")).put("ignore_merges", true); // as in Llama 3's tokenizer.json
                    return root;
                }, false),
                new Variant("gpt2-qwen2-split-nfc", "gpt-2", v -> {
                    ObjectNode root = byteLevelBpe(v, splitThenByteLevel(QWEN2_SPLIT));
                    root.putObject("normalizer").put("type", "NFC");
                    return root;
                }, false),
                new Variant("starcoder-digits-bytelevel", "starcoder", v -> {
                    ObjectNode pre = JSON.createObjectNode().put("type", "Sequence");
                    ArrayNode steps = pre.putArray("pretokenizers");
                    steps.addObject().put("type", "Digits").put("individual_digits", true);
                    steps.add(byteLevel(true));
                    return byteLevelBpe(v, pre);
                }, true),
                // The GGUF lacks tokenizer.ggml.pre, so loaded directly it gets llama.cpp's default pre-tokenizer
                // instead of Hugging Face's plain ByteLevel (see docs/tokenizer.md).
                new Variant("gpt-neox-bytelevel", "gpt-neox", v -> byteLevelBpe(v, byteLevel(true)), false),
                new Variant("llama-spm-byte-fallback", "llama-spm", HfCrossCheck::sentencePieceBpe, true),
                new Variant("bert-wordpiece", "bert-bge", HfCrossCheck::wordPiece, true));
    }

    /** DJL extracts its native library into a cache folder (default: the home folder) and may try downloads. */
    static void keepDjlInside(Path work) throws IOException {
        Path djlCache = Files.createDirectories(work.resolve("djl-cache"));
        System.setProperty("DJL_CACHE_DIR", djlCache.toString());
        System.setProperty("ENGINE_CACHE_DIR", djlCache.toString());
        System.setProperty("ai.djl.offline", "true");
    }

    static HuggingFaceTokenizer reference(Path tokenizerJson) throws IOException {
        return HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build();
    }

    static int[] ids(HuggingFaceTokenizer reference, String text) {
        return Arrays.stream(reference.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
    }

    /** Both tokenizers on every text, without special tokens; fails naming the first differing text. */
    static void assertSameIds(String label, HuggingFaceTokenizer reference, Tokenizer ours, List<Text> texts) {
        long start = System.nanoTime();
        int mismatches = 0;
        String firstMismatch = null;
        for (Text t : texts) {
            int[] expected = ids(reference, t.text());
            int[] actual = ours.encode(t.text());
            if (!Arrays.equals(expected, actual) && mismatches++ == 0) firstMismatch = describe(t, expected, actual);
        }
        System.out.printf("cross-check %s: %d texts, %d mismatches, %.1f s%n", label, texts.size(), mismatches,
                (System.nanoTime() - start) / 1e9);
        assertThat(mismatches).as("%s: %d of %d texts differ from Hugging Face tokenizers; first: %s",
                label, mismatches, texts.size(), firstMismatch).isZero();
    }

    // ---- the texts ----

    /**
     * The 46 shared test strings; wikitext-2 test in 2 000-character chunks (every {@code wikiStride}-th of them)
     * plus its first {@code longTextChars} characters as one text (thousands of tokens, so truncation would show);
     * {@code randomTexts} random strings (fixed seed) over {@link #STRESS_ALPHABET}.
     */
    static List<Text> texts(int wikiStride, int longTextChars, int randomTexts) throws IOException {
        List<Text> out = new ArrayList<>();
        List<String> testStrings = TestVectors.parseInputs(Files.readString(
                VocabCases.dir().resolve("ggml-vocab-gpt-2.gguf.inp"), StandardCharsets.UTF_8));
        for (int i = 0; i < testStrings.size(); i++) out.add(new Text("test string #" + i, testStrings.get(i)));
        String wiki = Files.readString(Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw"), StandardCharsets.UTF_8);
        out.add(new Text("wikitext-2 test, first " + longTextChars + " chars", wiki.substring(0, longTextChars)));
        int chunk = 0;
        for (int from = 0; from < wiki.length(); chunk++) {
            int to = Math.min(wiki.length(), from + WIKI_CHUNK_CHARS);
            if (to < wiki.length() && Character.isHighSurrogate(wiki.charAt(to - 1))) to++; // never split a code point
            if (chunk % wikiStride == 0) {
                out.add(new Text("wikitext-2 test chunk #" + chunk + " (chars " + from + "-" + to + ")", wiki.substring(from, to)));
            }
            from = to;
        }
        Random random = new Random(1); // fixed seed: the same texts on every run
        for (int k = 0; k < randomTexts; k++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(30);
            for (int i = 0; i < length; i++) sb.appendCodePoint(STRESS_ALPHABET[random.nextInt(STRESS_ALPHABET.length)]);
            out.add(new Text("random string #" + k, sb.toString()));
        }
        return out;
    }

    private static String describe(Text t, int[] expected, int[] actual) {
        int at = 0;
        while (at < Math.min(expected.length, actual.length) && expected[at] == actual[at]) at++;
        int from = Math.max(0, at - 3);
        return t.origin() + " \"" + escape(t.text()) + "\": ids differ at position " + at
                + "; Hugging Face " + window(expected, from) + ", ours " + window(actual, from);
    }

    private static String window(int[] ids, int from) {
        int to = Math.min(ids.length, from + 12);
        return "[" + (from > 0 ? "... " : "") + String.join(", ", Arrays.stream(ids, Math.min(from, to), to)
                .mapToObj(String::valueOf).toList()) + (to < ids.length ? " ..." : "") + "] (" + ids.length + " ids)";
    }

    /** Printable ASCII as is, everything else as \x{hex}, cut after 200 code points. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> {
            if (c >= 0x20 && c < 0x7f && c != '\\') sb.append((char) c);
            else sb.append("\\x{").append(Integer.toHexString(c)).append('}');
        });
        return s.codePointCount(0, s.length()) > 200 ? sb + "..." : sb.toString();
    }

    // ---- tokenizer.json builders ----

    /** A BPE model over every GGUF token, with control tokens as special and user-defined ones as plain added tokens. */
    static ObjectNode bpe(Vocab v, boolean byteFallback) {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < v.tokens().length; id++) {
            if (v.types()[id] == CONTROL || v.types()[id] == USER_DEFINED) {
                added.add(addedToken(id, v.tokens()[id], v.types()[id] == CONTROL));
            }
        }
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < v.tokens().length; id++) vocab.put(v.tokens()[id], id);
        model.put("byte_fallback", byteFallback).put("fuse_unk", byteFallback);
        model.putNull("dropout");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        return root;
    }

    static ObjectNode addedToken(int id, String content, boolean special) {
        return JSON.createObjectNode().put("id", id).put("content", content).put("special", special)
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false);
    }

    /** Byte-level BPE with the GGUF merges (whose tokens are already in the GPT-2 byte-to-character form). */
    static ObjectNode byteLevelBpe(Vocab v, ObjectNode preTokenizer) {
        ObjectNode root = bpe(v, false);
        ArrayNode merges = ((ObjectNode) root.get("model")).putArray("merges");
        for (String m : v.merges()) merges.add(m);
        root.set("pre_tokenizer", preTokenizer);
        root.set("decoder", byteLevel(true));
        return root;
    }

    /** HF's ByteLevel step; {@code useRegex} makes it also split words with the GPT-2 regex. */
    static ObjectNode byteLevel(boolean useRegex) {
        return JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", useRegex);
    }

    static ObjectNode splitThenByteLevel(String regex) {
        ObjectNode pre = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", regex);
        split.put("behavior", "Isolated").put("invert", false);
        steps.add(byteLevel(false));
        return pre;
    }

    /**
     * A SentencePiece vocabulary as HF converts it: BPE with byte fallback whose merges are every split of a normal
     * piece into two pieces, ranked by the merged piece's score (then its id, then the left piece's id); spaces
     * become U+2581 and one is prepended.
     */
    static ObjectNode sentencePieceBpe(Vocab v) {
        ObjectNode root = bpe(v, true);
        ObjectNode model = (ObjectNode) root.get("model");
        model.put("unk_token", "<unk>");
        ArrayNode normalizers = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", "\u2581");
        normalizers.addObject().put("type", "Replace").put("content", "\u2581").putObject("pattern").put("String", " ");

        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < v.tokens().length; id++) ids.put(v.tokens()[id], id);
        record Merge(String left, String right, float score, int mergedId, int leftId) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < v.tokens().length; id++) {
            if (v.types()[id] != NORMAL) continue;
            String piece = v.tokens()[id];
            for (int cut = piece.offsetByCodePoints(0, 1); cut < piece.length(); cut = piece.offsetByCodePoints(cut, 1)) {
                String left = piece.substring(0, cut);
                String right = piece.substring(cut);
                if (ids.containsKey(left) && ids.containsKey(right)) {
                    merges.add(new Merge(left, right, v.scores()[id], id, ids.get(left)));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::mergedId)
                .thenComparingInt(Merge::leftId));
        ArrayNode list = model.putArray("merges");
        for (Merge m : merges) list.add(m.left() + " " + m.right());
        root.putObject("decoder").put("type", "Sequence").putArray("decoders").addObject().put("type", "ByteFallback");
        return root;
    }

    /**
     * An uncased BERT WordPiece vocabulary. The GGUF marks word-initial pieces with a leading U+2581 and stores
     * continuations bare; tokenizer.json stores word-initial pieces bare and continuations with "##".
     */
    static ObjectNode wordPiece(Vocab v) {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < v.tokens().length; id++) {
            if (v.types()[id] == CONTROL) added.add(addedToken(id, v.tokens()[id], true));
        }
        root.putObject("normalizer").put("type", "BertNormalizer").put("lowercase", true).put("clean_text", true)
                .put("handle_chinese_chars", true).putNull("strip_accents");
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode model = root.putObject("model").put("type", "WordPiece").put("unk_token", "[UNK]")
                .put("continuing_subword_prefix", "##").put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < v.tokens().length; id++) {
            String piece = v.tokens()[id];
            String key = v.types()[id] == CONTROL ? piece
                    : piece.startsWith("\u2581") ? piece.substring(1) : "##" + piece;
            vocab.put(key, id);
        }
        return root;
    }
}
