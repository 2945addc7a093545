package superweight.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text at occurrences of special-token text before the model sees it. User-defined tokens are always cut out
 * (the reference does so even without special parsing); control and unknown tokens only when asked to. At each
 * position the longest matching token wins (leftmost-longest, as Hugging Face's added-vocabulary matcher).
 */
final class SpecialTokens {
    /** A piece of input: either raw text (token = -1) or one special token. */
    record Fragment(String text, int token) {
        boolean isText() {
            return token < 0;
        }
    }

    private record Entry(String text, int id, boolean alwaysMatched) {
    }

    private final Map<Character, List<Entry>> byFirstChar = new HashMap<>();
    /** Quick filter so that ordinary characters cost one array read. */
    private final boolean[] startsSpecial = new boolean[0x10000];

    SpecialTokens(Vocabulary vocab) {
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.types[id];
            String text = vocab.pieces[id];
            if (!t.isSpecial() || text.isEmpty()) continue;
            startsSpecial[text.charAt(0)] = true;
            byFirstChar.computeIfAbsent(text.charAt(0), c -> new ArrayList<>())
                    .add(new Entry(text, id, t == TokenType.USER_DEFINED));
        }
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
            if (i > start) out.add(new Fragment(text.substring(start, i), -1));
            out.add(new Fragment(hit.text, hit.id));
            i += hit.text.length();
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
            if ((parseSpecial || e.alwaysMatched) && text.startsWith(e.text, at)) return e;
        }
        return null;
    }
}
