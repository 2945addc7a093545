package superweight.tokenizer;

import java.util.List;

/**
 * A hand-written scanner equivalent to GPT-2's split regex
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} with Unicode classes (the
 * regex engine spends most of the encoding time otherwise). {@code Gpt2SplitterTest} compares it with the regex.
 */
final class Gpt2Splitter implements PreTokenizer.Step {
    @Override
    public void apply(String s, List<String> out) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            int end = tokenEnd(s, i, n);
            out.add(s.substring(i, end));
            i = end;
        }
    }

    private static int tokenEnd(String s, int i, int n) {
        int c = s.codePointAt(i);
        if (c == '\'' && i + 1 < n) {
            char a = s.charAt(i + 1);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
            if (i + 2 < n) {
                char b = s.charAt(i + 2);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
            }
        }
        // " ?X+" for the three classes X: letters, numbers, anything else that is not whitespace.
        int j = i;
        int d = c;
        if (c == ' ' && i + 1 < n) {
            j = i + 1;
            d = s.codePointAt(j);
        }
        if (!isWhitespace(d)) {
            int cls = kind(d);
            int k = j + Character.charCount(d);
            while (k < n) {
                int e = s.codePointAt(k);
                if (isWhitespace(e) || kind(e) != cls) break;
                k += Character.charCount(e);
            }
            return k;
        }
        // Whitespace: the whole run at the end of the text, else all but its last character (which then leads the
        // next token); a single whitespace character before non-space stands alone.
        int k = i;
        int last = i;
        while (k < n) {
            int e = s.codePointAt(k);
            if (!isWhitespace(e)) break;
            last = k;
            k += Character.charCount(e);
        }
        if (k == n || last == i) return k;
        return last;
    }

    /** 0 letter, 1 number, 2 other (not whitespace). */
    private static int kind(int cp) {
        if (Character.isLetter(cp)) return 0;
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> 1;
            default -> 2;
        };
    }

    /** The Unicode White_Space property (what {@code \s} means in the reference regex engines). */
    static boolean isWhitespace(int cp) {
        if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
        if (cp < 0x85) return false;
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
                || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }
}
