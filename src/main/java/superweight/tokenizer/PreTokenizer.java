package superweight.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the words a byte-level BPE merges within. A pre-tokenizer is a chain of steps; each step
 * re-splits every piece produced so far. Regexes use {@link Pattern#UNICODE_CHARACTER_CLASS} so that {@code \s}
 * means Unicode White_Space, as in the reference's Oniguruma/Rust regexes.
 */
final class PreTokenizer {
    /** One splitting step: appends the sub-pieces of {@code piece} to {@code out}. */
    interface Step {
        void apply(String piece, List<String> out);
    }

    /** How a regex match relates to its neighbours (Hugging Face's SplitDelimiterBehavior). */
    enum Behavior { ISOLATED, REMOVED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT }

    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** CJK ideographs, U+0800..U+4E00 and Hangul, kept together as DeepSeek's pre-tokenizers do. */
    private static final String CJK = "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";

    private final List<Step> steps;

    PreTokenizer(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    /** A regex split; {@code where} (the file the pattern came from) names it if it backtracks too long. */
    static Step regex(String regex, Behavior behavior, String where) {
        Pattern p = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        return (piece, out) -> split(p.matcher(new BudgetedText(piece, regex, where)), piece, behavior, out);
    }

    static Step isolate(String regex, String where) {
        if (regex.equals(GPT2) || regex.equals(GPT2.substring(0, GPT2.length() - "|\\s+".length()))) {
            return new Gpt2Splitter();
        }
        return regex(regex, Behavior.ISOLATED, where);
    }

    /**
     * The pre-tokenizer llama.cpp selects for a GGUF {@code tokenizer.ggml.pre} value; null when the name is unknown.
     * Each entry is a chain of isolating regex splits, written after the Hugging Face tokenizer.json of that family.
     */
    static PreTokenizer forGgufPre(String pre) {
        List<String> regexes = switch (pre) {
            case "default" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "pixtral" -> List.of(LLAMA3);
            // The reference spells out the cased letters (Lu, Ll, Lt) as ranges; \p{LC} is the same set.
            case "deepseek-llm" -> List.of("[\\r\\n]", "\\s?\\p{LC}+",
                    "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
                    "\\s+$", CJK, "\\p{N}+");
            case "deepseek-coder" -> List.of("[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}");
            case "falcon" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" ->
                    List.of("\\p{N}", GPT2);
            case "gpt-2", "mpt", "olmo", "jais", "phi-2", "jina-es", "jina-de", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                 "jina-v2-code", "roberta-bpe", "gpt2" -> List.of(GPT2);
            case "qwen2", "qwen2.5", "qwen-2.5", "deepseek-r1-qwen", "stablelm2" -> List.of(QWEN2);
            case "poro-chat", "bloom", "gpt3-finnish" -> List.of(" ?[^(\\s|.,!?…。，、।۔،)]+");
            case "viking" -> List.of(" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}");
            default -> null;
        };
        if (regexes == null) return null;
        List<Step> steps = new ArrayList<>();
        for (String r : regexes) steps.add(isolate(r, "pre-tokenizer " + pre));
        return new PreTokenizer(steps);
    }

    List<String> split(String text) {
        List<String> pieces = new ArrayList<>();
        pieces.add(text);
        for (Step step : steps) {
            List<String> next = new ArrayList<>(pieces.size() * 2);
            for (String p : pieces) step.apply(p, next);
            pieces = next;
        }
        pieces.removeIf(String::isEmpty);
        return pieces;
    }

    private static void split(Matcher m, String piece, Behavior behavior, List<String> out) {
        int last = 0;
        int pendingStart = -1; // MERGED_WITH_NEXT: start of a match waiting for the text after it
        while (m.find()) {
            if (m.end() == m.start()) continue;
            int s = m.start();
            int e = m.end();
            switch (behavior) {
                case ISOLATED -> {
                    if (s > last) out.add(piece.substring(last, s));
                    out.add(piece.substring(s, e));
                    last = e;
                }
                case REMOVED -> {
                    if (s > last) out.add(piece.substring(last, s));
                    last = e;
                }
                case MERGED_WITH_PREVIOUS -> {
                    out.add(piece.substring(last, e));
                    last = e;
                }
                case MERGED_WITH_NEXT -> {
                    int from = pendingStart >= 0 ? pendingStart : last;
                    if (s > from) out.add(piece.substring(from, s));
                    pendingStart = s;
                    last = e;
                }
            }
        }
        int from = pendingStart >= 0 ? pendingStart : last;
        if (from < piece.length()) out.add(piece.substring(from));
    }
}
