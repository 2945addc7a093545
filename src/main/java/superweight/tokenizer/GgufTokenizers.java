package superweight.tokenizer;

import superweight.SuperweightException;
import superweight.model.arch.ConfigLimits;
import superweight.model.format.GgufFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

        switch (model) {
            case "llama" -> {
                Vocabulary v = new Vocabulary(tokens, scores, types, id(gguf, "bos_token_id", 1), id(gguf, "eos_token_id", 2),
                        id(gguf, "unknown_token_id", 0), flag(gguf, "add_bos_token", true));
                return SentencePieceBpe.fromScores(v, flag(gguf, "add_space_prefix", true));
            }
            case "gpt2" -> {
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
                return new ByteLevelBpe(v, splitMerges(merges, where), preTokenizer, wholeWordFirst);
            }
            case "bert" -> {
                int cls = id(gguf, "cls_token_id", id(gguf, "bos_token_id", -1));
                int sep = id(gguf, "seperator_token_id", id(gguf, "separator_token_id", id(gguf, "eos_token_id", -1)));
                Vocabulary v = new Vocabulary(tokens, scores, types, cls, sep, id(gguf, "unknown_token_id", 100),
                        flag(gguf, "add_bos_token", true));
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
            default -> throw new SuperweightException(where + ": tokenizer model \"" + model
                    + "\" is not supported (supported: llama, gpt2, bert)");
        }
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
