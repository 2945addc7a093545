package superweight.analysis;

import superweight.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The SYNTHETIC demonstration model's vocabulary, built in code so the report's text sections (zero-shot items,
 * the stopword shift, the case study) run offline with nothing downloaded. Byte level with whole-word tokens for
 * common English function words: 0 {@code <unk>}, 1 {@code <s>} (BOS), 2 {@code </s>}, 3 + b the byte b, then
 * {@code "▁" + word} for each of {@link #WORDS}, used where a space is followed by exactly that lowercase word
 * (the next byte is not a letter or digit). So " the" is one token as in real subword vocabularies, and the
 * stopword share of the next-token mass is measured on word tokens and punctuation bytes, as for a real model.
 */
public final class DemoTokenizer implements Tokenizer {
    public static final int UNK = 0, BOS = 1, EOS = 2, BYTES = 3, FIRST_WORD = BYTES + 256;
    /** The whole-word tokens, in id order: English stopwords (each is in {@link TokenShift#STOPWORDS}). */
    public static final List<String> WORDS = List.of(
            "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as",
            "is", "was", "are", "were", "be", "been", "it", "its", "he", "she", "they", "them", "his", "her", "their",
            "i", "you", "we", "me", "my", "your", "our", "that", "this", "these", "those", "there", "here", "not", "no",
            "so", "if", "then", "than", "had", "has", "have", "do", "did", "does", "will", "would", "can", "could",
            "what", "which", "who", "when", "where", "how", "all", "just", "up", "out", "about", "into", "over");
    public static final int SIZE = FIRST_WORD + WORDS.size();
    private static final Map<String, Integer> WORD_IDS = new HashMap<>();

    static {
        for (int k = 0; k < WORDS.size(); k++) WORD_IDS.put(WORDS.get(k), FIRST_WORD + k);
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[b.length + 1];
        int n = 0;
        if (addBos) out[n++] = BOS;
        for (int i = 0; i < b.length; i++) {
            int special = parseSpecial ? special(b, i) : -1;
            if (special >= 0) {
                out[n++] = special;
                i += piece(special).length() - 1;
                continue;
            }
            int end = b[i] == ' ' ? wordEnd(b, i + 1) : -1;
            Integer word = end > i + 1 ? WORD_IDS.get(new String(b, i + 1, end - i - 1, StandardCharsets.US_ASCII)) : null;
            if (word != null) {
                out[n++] = word;
                i = end - 1;
            } else {
                out[n++] = BYTES + (b[i] & 0xff);
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** The end (exclusive) of the run of lowercase ASCII letters at {@code from}, or -1 when a letter or digit follows it. */
    private static int wordEnd(byte[] b, int from) {
        int j = from;
        while (j < b.length && b[j] >= 'a' && b[j] <= 'z') j++;
        if (j < b.length && Character.isLetterOrDigit(b[j] & 0xff)) return -1;
        return j;
    }

    /** The special token whose text starts at byte {@code i} (ASCII text only, so bytes and chars agree), or -1. */
    private int special(byte[] b, int i) {
        for (int id = UNK; id <= EOS; id++) {
            byte[] p = piece(id).getBytes(StandardCharsets.US_ASCII);
            if (i + p.length <= b.length && java.util.Arrays.equals(b, i, i + p.length, p, 0, p.length)) return id;
        }
        return -1;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id >= FIRST_WORD && id < SIZE) out.writeBytes((" " + WORDS.get(id - FIRST_WORD)).getBytes(StandardCharsets.US_ASCII));
            else if (id >= BYTES && id < FIRST_WORD) out.write(id - BYTES);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return SIZE;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    /** Like Llama's tokenizers: sequences start with BOS (the demo's super activation is planted on it). */
    @Override
    public boolean addBosByDefault() {
        return true;
    }

    /** {@code <s>}-style specials, "▁" for a space, printable ASCII as itself, other bytes as {@code <0xNN>}, "▁word" for words. */
    @Override
    public String piece(int id) {
        return switch (id) {
            case UNK -> "<unk>";
            case BOS -> "<s>";
            case EOS -> "</s>";
            default -> {
                if (id >= FIRST_WORD && id < SIZE) yield "\u2581" + WORDS.get(id - FIRST_WORD);
                if (id < BYTES || id >= SIZE) throw new IllegalArgumentException("token id " + id + " outside the demo vocabulary of " + SIZE);
                int b = id - BYTES;
                if (b == ' ') yield "\u2581";
                yield b > 0x20 && b < 0x7f ? Character.toString(b) : "<0x" + HexFormat.of().withUpperCase().toHexDigits((byte) b) + ">";
            }
        };
    }
}
