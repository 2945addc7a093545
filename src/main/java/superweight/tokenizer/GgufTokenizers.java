package superweight.tokenizer;

import superweight.SuperweightException;
import superweight.model.arch.ConfigLimits;
import superweight.model.format.GgufFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Builds a tokenizer from GGUF {@code tokenizer.ggml.*} metadata, following llama.cpp's defaults. */
final class GgufTokenizers {
    private static final Set<String> WHOLE_WORD_FIRST = Set.of("llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral");

    private GgufTokenizers() {
    }

    static Tokenizer load(GgufFile gguf) {
        String where = gguf.path().toString();
        String model = gguf.getString("tokenizer.ggml.model");
        if (model == null) {
            throw new SuperweightException(where + ": has no tokenizer (no tokenizer.ggml.model metadata)");
        }
        if (model.equals("no_vocab") || model.equals("none")) {
            throw new SuperweightException(where + ": has no tokenizer (tokenizer.ggml.model is \"" + model + "\")");
        }
        String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens");
        if (tokens == null || tokens.length == 0) {
            throw new SuperweightException(where + ": has no tokenizer.ggml.tokens array");
        }
        if (tokens.length > ConfigLimits.MAX_VOCAB) {
            throw new SuperweightException(where + ": tokenizer.ggml.tokens has " + tokens.length + " tokens (cap " + ConfigLimits.MAX_VOCAB + ")");
        }
        float[] scores = gguf.getFloatArray("tokenizer.ggml.scores");
        int[] typeCodes = gguf.getIntArray("tokenizer.ggml.token_type");
        if ((scores != null && scores.length != tokens.length) || (typeCodes != null && typeCodes.length != tokens.length)) {
            throw new SuperweightException(where + ": tokenizer.ggml.scores/token_type length differs from the "
                    + tokens.length + " tokens");
        }
        TokenType[] types = new TokenType[tokens.length];
        for (int i = 0; i < tokens.length; i++) types[i] = typeCodes == null ? TokenType.NORMAL : TokenType.ofGguf(typeCodes[i]);

        return switch (model) {
            case "llama" -> sentencePiece(gguf, tokens, scores, types);
            case "gpt2" -> byteLevel(gguf, tokens, scores, types, where);
            case "bert" -> wordPiece(gguf, tokens, scores, types);
            default -> throw new SuperweightException(where + ": tokenizer model \"" + model
                    + "\" is not supported (supported: llama, gpt2, bert)");
        };
    }

    private static Tokenizer sentencePiece(GgufFile gguf, String[] tokens, float[] scores, TokenType[] types) {
        Vocabulary v = new Vocabulary(tokens, scores, types, id(gguf, "bos_token_id", 1), id(gguf, "eos_token_id", 2),
                id(gguf, "unknown_token_id", 0), flag(gguf, "add_bos_token", true));
        llamaCppAttributes(v, gguf);
        return SentencePieceBpe.fromScores(v, flag(gguf, "add_space_prefix", true));
    }

    private static Tokenizer byteLevel(GgufFile gguf, String[] tokens, float[] scores, TokenType[] types, String where) {
        String pre = gguf.getString("tokenizer.ggml.pre");
        if (pre == null) pre = "default"; // llama.cpp's choice for files converted before the key existed
        PreTokenizer preTokenizer = PreTokenizer.forGgufPre(pre);
        if (preTokenizer == null) {
            throw new SuperweightException(where + ": unknown pre-tokenizer tokenizer.ggml.pre = \"" + pre + "\"");
        }
        String[] merges = gguf.getStringArray("tokenizer.ggml.merges");
        if (merges == null) throw new SuperweightException(where + ": BPE vocabulary without tokenizer.ggml.merges");
        boolean wholeWordFirst = WHOLE_WORD_FIRST.contains(pre);
        Vocabulary v = new Vocabulary(tokens, scores, types, id(gguf, "bos_token_id", -1), id(gguf, "eos_token_id", -1),
                id(gguf, "unknown_token_id", -1), flag(gguf, "add_bos_token", wholeWordFirst));
        llamaCppAttributes(v, gguf);
        return new ByteLevelBpe(v, splitMerges(merges, where), preTokenizer, wholeWordFirst, UnaryOperator.identity());
    }

    private static Tokenizer wordPiece(GgufFile gguf, String[] tokens, float[] scores, TokenType[] types) {
        int cls = id(gguf, "cls_token_id", id(gguf, "bos_token_id", -1));
        int sep = id(gguf, "seperator_token_id", id(gguf, "separator_token_id", id(gguf, "eos_token_id", -1)));
        Vocabulary v = new Vocabulary(tokens, scores, types, cls, sep, id(gguf, "unknown_token_id", 100),
                flag(gguf, "add_bos_token", true));
        llamaCppAttributes(v, gguf);
        // llama.cpp stores word-initial pieces as "\u2581piece" and continuation pieces without "##".
        Map<String, Integer> initial = new HashMap<>();
        Map<String, Integer> continuation = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            if (types[i] == TokenType.CONTROL || tokens[i].isEmpty()) continue;
            if (tokens[i].charAt(0) == SentencePieceBpe.SPACE) initial.put(tokens[i].substring(1), i);
            else continuation.put(tokens[i], i);
        }
        return new WordPiece(v, initial, continuation, WordPiece.Options.UNCASED, v.bos, v.eos);
    }

    /**
     * GGUF stores no lstrip/rstrip per token, so llama.cpp (llama-vocab.cpp, end of load) sets them by name: a
     * {@code <mask>} that strips the whitespace before it for the jina-v2 pre-tokenizers and the nomic-bert-moe /
     * jina-bert-v3 architectures; for a model whose lower-cased {@code general.name} contains "phi-3" or "phi3",
     * every special token (control, user-defined, unknown) and {@code </s>} strip the whitespace AFTER them, except
     * {@code <unk>}, {@code <s>} and {@code <|endoftext|>}; for "modern-bert", {@code [MASK]} strips before.
     */
    static void llamaCppAttributes(Vocabulary v, GgufFile gguf) {
        String name = lower(gguf.getString("general.name")), pre = lower(gguf.getString("tokenizer.ggml.pre"));
        String arch = lower(gguf.getString("general.architecture"));
        if (containsAny(pre, "jina-v2-de", "jina-v2-es", "jina-v2-code") || containsAny(arch, "nomic-bert-moe", "jina-bert-v3")) {
            v.set(v.id("<mask>"), Vocabulary.LSTRIP, true);
        } else if (containsAny(name, "phi-3", "phi3")) {
            for (int id = 0; id < v.size(); id++) if (v.types[id].isSpecial()) v.set(id, Vocabulary.RSTRIP, true);
            v.set(v.id("</s>"), Vocabulary.RSTRIP, true);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) v.set(v.id(t), Vocabulary.RSTRIP, false);
        } else if (containsAny(name, "modern-bert")) {
            v.set(v.id("[MASK]"), Vocabulary.LSTRIP, true);
        }
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean containsAny(String s, String... parts) {
        for (String p : parts) if (s.contains(p)) return true;
        return false;
    }

    /** Splits "left right" merge strings at the first space after the first character, as llama.cpp does. */
    static List<String[]> splitMerges(String[] merges, String where) {
        List<String[]> out = new ArrayList<>(merges.length);
        for (String m : merges) {
            int sp = m.indexOf(' ', 1);
            if (sp < 0) throw new SuperweightException(where + ": malformed merge \"" + m + "\" (expected \"left right\")");
            out.add(new String[] {m.substring(0, sp), m.substring(sp + 1)});
        }
        return out;
    }

    /** A special-token id; values beyond int range become "none" instead of wrapping onto a real token. */
    private static int id(GgufFile g, String key, int fallback) {
        Long v = g.getLong("tokenizer.ggml." + key);
        if (v == null) return fallback;
        return v >= 0 && v <= Integer.MAX_VALUE ? v.intValue() : -1;
    }

    private static boolean flag(GgufFile g, String key, boolean fallback) {
        Boolean v = g.getBoolean("tokenizer.ggml." + key);
        return v == null ? fallback : v;
    }
}
