package superweight.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Cuts text at occurrences of special-token text before the model sees it. User-defined tokens are always cut out
 * (the reference does so even without special parsing); control and unknown tokens only when asked to. At each
 * position the longest matching token wins (leftmost-longest, as Hugging Face's added-vocabulary matcher). A token
 * marked lstrip / rstrip also swallows the whitespace before / after it, and a single_word token matches only when
 * no word character touches it (Hugging Face's AddedToken options; llama.cpp's LSTRIP/RSTRIP attributes).
 * A token marked normalized (tokenizer.json only) is matched, as its normalized content, on normalized text.
 */
final class SpecialTokens {
    /** A piece of input: either text (token = -1) or one special token. */
    record Fragment(String text, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private record Entry(String text, int id, boolean alwaysMatched, boolean lstrip, boolean rstrip, boolean singleWord) {
    }

    /** Every GGUF token, and tokenizer.json tokens with normalized = false: matched on the raw text. */
    private final Matcher raw;
    /** tokenizer.json tokens with normalized = true: matched on the normalized pieces between raw matches. */
    private final Matcher normalized;

    SpecialTokens(Vocabulary vocab, UnaryOperator<String> normalizer) {
        this.raw = new Matcher(vocab.unicodeStrip);
        this.normalized = new Matcher(vocab.unicodeStrip);
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.types[id];
            if (!t.isSpecial() || vocab.pieces[id].isEmpty()) continue;
            boolean isNormalized = vocab.has(id, Vocabulary.NORMALIZED);
            Entry e = new Entry(isNormalized ? normalizer.apply(vocab.pieces[id]) : vocab.pieces[id], id,
                    t == TokenType.USER_DEFINED, vocab.has(id, Vocabulary.LSTRIP), vocab.has(id, Vocabulary.RSTRIP),
                    vocab.has(id, Vocabulary.SINGLE_WORD));
            (isNormalized ? normalized : raw).add(e);
        }
        raw.sort();
        normalized.sort();
    }

    List<Fragment> splitRaw(String text, boolean parseSpecial) {
        return raw.split(text, parseSpecial);
    }

    List<Fragment> splitNormalized(String normalizedText, boolean parseSpecial) {
        return normalized.split(normalizedText, parseSpecial);
    }

    /** One set of tokens and the leftmost-longest cutting of text at them. */
    private static final class Matcher {
        private final Map<Character, List<Entry>> byFirstChar = new HashMap<>();
        /** Quick filter so that ordinary characters cost one array read. */
        private final boolean[] startsSpecial = new boolean[0x10000];
        private final boolean unicodeStrip;

        Matcher(boolean unicodeStrip) {
            this.unicodeStrip = unicodeStrip;
        }

        void add(Entry e) {
            if (e.text.isEmpty()) return;
            startsSpecial[e.text.charAt(0)] = true;
            byFirstChar.computeIfAbsent(e.text.charAt(0), c -> new ArrayList<>()).add(e);
        }

        void sort() {
            for (List<Entry> l : byFirstChar.values()) l.sort((a, b) -> b.text.length() - a.text.length());
        }

        List<Fragment> split(String text, boolean parseSpecial) {
            List<Fragment> out = new ArrayList<>();
            if (byFirstChar.isEmpty()) {
                if (!text.isEmpty()) out.add(new Fragment(text, -1));
                return out;
            }
            int start = 0;
            int i = 0;
            while (i < text.length()) {
                Entry hit = match(text, i, parseSpecial);
                if (hit == null) {
                    i++;
                    continue;
                }
                int end = i;
                if (hit.lstrip) while (end > start && isStripSpace(text.charAt(end - 1))) end--;
                if (end > start) out.add(new Fragment(text.substring(start, end), -1));
                out.add(new Fragment(hit.text, hit.id));
                i += hit.text.length();
                if (hit.rstrip) while (i < text.length() && isStripSpace(text.charAt(i))) i++;
                start = i;
            }
            if (start < text.length()) out.add(new Fragment(text.substring(start), -1));
            return out;
        }

        private Entry match(String text, int at, boolean parseSpecial) {
            if (!startsSpecial[text.charAt(at)]) return null;
            List<Entry> candidates = byFirstChar.get(text.charAt(at));
            if (candidates == null) return null;
            for (Entry e : candidates) {
                if ((parseSpecial || e.alwaysMatched) && text.startsWith(e.text, at)
                        && (!e.singleWord || aloneAsWord(text, at, at + e.text.length()))) return e;
            }
            return null;
        }

        /** Rust's char::is_whitespace (Unicode White_Space) for tokenizer.json, C isspace for GGUF rules. */
        private boolean isStripSpace(char c) {
            if (!unicodeStrip) return c == ' ' || (c >= '\t' && c <= '\r');
            if (c >= '\u001c' && c <= '\u001f') return false;   // Java counts these, Unicode White_Space does not
            return Character.isWhitespace(c) || c == '\u0085' || c == '\u00a0' || c == '\u2007' || c == '\u202f';
        }
    }

    /** No word character (Unicode \w, as the Rust regex crate has it) right before or after [from, to). */
    private static boolean aloneAsWord(String text, int from, int to) {
        return (from == 0 || !isWordChar(text.codePointBefore(from))) && (to >= text.length() || !isWordChar(text.codePointAt(to)));
    }

    /** Unicode {@code \w}: alphabetic, marks, decimal digits, connector punctuation, join controls. */
    private static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) return true;
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.CONNECTOR_PUNCTUATION;
    }
}
