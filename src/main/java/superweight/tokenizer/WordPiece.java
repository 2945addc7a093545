package superweight.tokenizer;

import java.io.ByteArrayOutputStream;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's WordPiece: the basic tokenizer (drop control characters, space out CJK ideographs, optionally strip accents
 * and lowercase, split on whitespace and punctuation) followed by greedy longest-match-first sub-words. A word
 * longer than {@code maxInputChars} code points, or one that cannot be covered, becomes the unknown token.
 */
final class WordPiece extends BaseTokenizer {
    /** Options of Hugging Face's BertNormalizer. */
    record Options(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase,
                   int maxInputChars) {
        static final Options UNCASED = new Options(true, true, true, true, 100);
    }

    private final Map<String, Integer> wordInitial;
    private final Map<String, Integer> continuation;
    private final Options options;
    private final int clsId;
    private final int sepId;

    /** {@code wordInitial}: pieces that may start a word; {@code continuation}: pieces inside a word (no "##"). */
    WordPiece(Vocabulary vocab, Map<String, Integer> wordInitial, Map<String, Integer> continuation, Options options,
              int clsId, int sepId) {
        super(vocab, text -> normalize(text, options));
        this.wordInitial = wordInitial;
        this.continuation = continuation;
        this.options = options;
        this.clsId = clsId;
        this.sepId = sepId;
    }

    @Override
    public int bosId() {
        return clsId;
    }

    @Override
    public int eosId() {
        return sepId;
    }

    @Override
    void appendSequenceEnd(IntList out) {
        if (sepId >= 0) out.add(sepId);
    }

    @Override
    void encodeNormalized(String text, boolean atStart, IntList out) {
        for (String word : words(text)) out.addAll(cached(word, this::wordPieces));
    }

    /** BERT's basic tokenizer: the normalizer, then the split into words and punctuation. */
    List<String> basicTokens(String text) {
        return words(normalize(text, options));
    }

    /** Hugging Face's BertNormalizer: drop control characters, space out CJK ideographs, strip accents, lowercase. */
    static String normalize(String text, Options options) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (options.cleanText && (cp == 0 || cp == 0xFFFD || isControl(cp))) return;
            if (options.cleanText && isWhitespace(cp)) {
                sb.append(' ');
            } else if (options.handleChineseChars && isChinese(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String s = sb.toString();
        if (options.stripAccents) {
            StringBuilder stripped = new StringBuilder(s.length());
            Normalizer.normalize(s, Normalizer.Form.NFD).codePoints()
                    .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                    .forEach(stripped::appendCodePoint);
            s = stripped.toString();
        }
        return options.lowercase ? s.toLowerCase(Locale.ROOT) : s;
    }

    /** Splits normalized text at whitespace (dropped) and punctuation (kept, one character each). */
    private static List<String> words(String s) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isWhitespace(cp) || isPunctuation(cp)) {
                if (start >= 0) words.add(s.substring(start, i));
                if (!isWhitespace(cp)) words.add(s.substring(i, next));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) words.add(s.substring(start));
        return words;
    }

    private int[] wordPieces(String word) {
        int unk = vocab.unk;
        if (word.codePointCount(0, word.length()) > options.maxInputChars) return unk >= 0 ? new int[] {unk} : new int[0];
        IntList ids = new IntList();
        int start = 0;
        while (start < word.length()) {
            Map<String, Integer> table = start == 0 ? wordInitial : continuation;
            int end = word.length();
            Integer found = null;
            while (end > start) {
                found = table.get(word.substring(start, end));
                if (found != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) return unk >= 0 ? new int[] {unk} : new int[0];
            ids.add(found);
            start = end;
        }
        return ids.toArray();
    }

    @Override
    void appendPiece(int id, boolean first, ByteArrayOutputStream out) {
        String p = vocab.pieces[id];
        if (p.isEmpty()) return;
        if (p.charAt(0) == SentencePieceBpe.SPACE) {
            appendUtf8(first ? p.substring(1) : " " + p.substring(1), out);
        } else if (p.startsWith("##")) {
            appendUtf8(p.substring(2), out);
        } else if (wordInitial.get(p) != null && wordInitial.get(p) == id) {
            appendUtf8(first ? p : " " + p, out);
        } else {
            appendUtf8(p, out);
        }
    }

    static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x85
                || Character.isSpaceChar(cp);
    }

    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
