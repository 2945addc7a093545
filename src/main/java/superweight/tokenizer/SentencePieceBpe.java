package superweight.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * SentencePiece-style BPE (Llama 1/2, Mistral, Phi-3, TinyLlama, Baichuan): spaces become U+2581, a dummy-prefix
 * space goes in front of the text (and after each special token), the code points merge pairwise by score (or by
 * merge rank for a Hugging Face tokenizer.json) and whatever does not end as a vocabulary piece falls back to
 * {@code <0xNN>} byte pieces.
 */
final class SentencePieceBpe extends BaseTokenizer {
    static final char SPACE = '\u2581';

    private final PairMerges merges;
    private final boolean addSpacePrefix;
    /**
     * Whether the normalizer already turned spaces into U+2581 and put the dummy prefix in front (a tokenizer.json
     * with Prepend + Replace normalizers); otherwise encoding does it (GGUF, Metaspace pre-tokenizer).
     */
    private final boolean spacesNormalized;
    /** Hugging Face Metaspace with split: every U+2581 starts a new word, so no piece spans two words. */
    private final boolean splitAtEverySpace;
    /** Symbol of each BMP code point: its vocabulary id, an extra id >= vocab size, or -1 (never merges). */
    private final int[] bmpSymbol = new int[0x10000];
    private final Map<Integer, Integer> supplementarySymbol = new HashMap<>();
    private final int[] byteTokens = new int[256];
    /** Code points that some piece contains right before a U+2581; text is never cut between such a pair. */
    private final boolean[] bmpJoinsFollowingSpace = new boolean[0x10000];
    private final Set<Integer> supplementaryJoinsFollowingSpace = new HashSet<>();
    private int nextExtraSymbol;

    private SentencePieceBpe(Vocabulary vocab, boolean addSpacePrefix, boolean splitAtEverySpace, int expectedMerges,
                             UnaryOperator<String> normalizer, boolean spacesNormalized) {
        super(vocab, normalizer);
        this.addSpacePrefix = addSpacePrefix;
        this.spacesNormalized = spacesNormalized;
        this.splitAtEverySpace = splitAtEverySpace;
        this.merges = new PairMerges(expectedMerges);
        this.nextExtraSymbol = vocab.size();
        Arrays.fill(bmpSymbol, -1);
        for (int id = 0; id < vocab.size(); id++) {
            String p = vocab.pieces[id];
            if (vocab.id(p) == id && p.codePointCount(0, p.length()) == 1) setSymbol(p.codePointAt(0), id);
            for (int j = p.indexOf(SPACE, 1); j > 0; j = p.indexOf(SPACE, j + 1)) {
                if (p.charAt(j - 1) == SPACE) continue;
                int cp = p.codePointBefore(j);
                if (cp < 0x10000) bmpJoinsFollowingSpace[cp] = true;
                else supplementaryJoinsFollowingSpace.add(cp);
            }
        }
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            byteTokens[b] = id >= 0 ? id : vocab.unk;
        }
    }

    /**
     * The SentencePiece way (llama.cpp on GGUF): two symbols merge when their concatenation is a vocabulary piece;
     * the higher the piece's score, the earlier. Every split of every piece into (piece or single code point) halves
     * is enumerated once here, so encoding needs no string concatenation.
     */
    static SentencePieceBpe fromScores(Vocabulary vocab, boolean addSpacePrefix) {
        SentencePieceBpe t = new SentencePieceBpe(vocab, addSpacePrefix, false, vocab.size() * 8,
                UnaryOperator.identity(), false);
        float[] distinct = vocab.scores.clone();
        Arrays.sort(distinct);
        Map<Float, Integer> rankOfScore = new HashMap<>();
        for (int i = distinct.length - 1; i >= 0; i--) rankOfScore.putIfAbsent(distinct[i], rankOfScore.size());
        for (int id = 0; id < vocab.size(); id++) {
            String p = vocab.pieces[id];
            if (p.isEmpty() || vocab.id(p) != id) continue;
            int rank = rankOfScore.get(vocab.scores[id]);
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                int left = t.symbolOfHalf(p.substring(0, k));
                int right = t.symbolOfHalf(p.substring(k));
                if (left >= 0 && right >= 0) t.merges.put(left, right, rank, id);
            }
        }
        return t;
    }

    /**
     * The Hugging Face way: an explicit ranked merge list over vocabulary pieces. {@code normalizer} is the
     * tokenizer.json's; {@code spacesNormalized} says whether it is the one that puts U+2581 for spaces.
     */
    static SentencePieceBpe fromMerges(Vocabulary vocab, List<String[]> mergeList, boolean addSpacePrefix,
                                       boolean splitAtEverySpace, UnaryOperator<String> normalizer, boolean spacesNormalized) {
        SentencePieceBpe t = new SentencePieceBpe(vocab, addSpacePrefix, splitAtEverySpace, mergeList.size(), normalizer,
                spacesNormalized);
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String[] m = mergeList.get(rank);
            int left = vocab.id(m[0]);
            int right = vocab.id(m[1]);
            int merged = vocab.id(m[0] + m[1]);
            if (left >= 0 && right >= 0 && merged >= 0) t.merges.put(left, right, rank, merged);
        }
        return t;
    }

    private void setSymbol(int cp, int symbol) {
        if (cp < 0x10000) bmpSymbol[cp] = symbol;
        else supplementarySymbol.put(cp, symbol);
    }

    private int symbolOf(int cp) {
        if (cp < 0x10000) return bmpSymbol[cp];
        return supplementarySymbol.getOrDefault(cp, -1);
    }

    /** A half of a piece is a symbol if it is a piece itself or one code point (given an extra id if unknown). */
    private int symbolOfHalf(String half) {
        int id = vocab.id(half);
        if (id >= 0) return id;
        if (half.codePointCount(0, half.length()) != 1) return -1;
        int cp = half.codePointAt(0);
        int s = symbolOf(cp);
        if (s < 0) {
            s = nextExtraSymbol++;
            setSymbol(cp, s);
        }
        return s;
    }

    @Override
    void encodeNormalized(String text, boolean atStart, IntList out) {
        String s = spacesNormalized ? text : (addSpacePrefix && atStart ? " " + text : text).replace(' ', SPACE);
        int start = 0;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == SPACE && (splitAtEverySpace || s.charAt(i - 1) != SPACE && !joinsFollowingSpace(s.codePointBefore(i)))) {
                out.addAll(cached(s.substring(start, i), this::encodeChunk));
                start = i;
            }
        }
        if (start < s.length()) out.addAll(cached(s.substring(start), this::encodeChunk));
    }

    private boolean joinsFollowingSpace(int cp) {
        return cp < 0x10000 ? bmpJoinsFollowingSpace[cp] : supplementaryJoinsFollowingSpace.contains(cp);
    }

    private int[] encodeChunk(String chunk) {
        int[] cps = chunk.codePoints().toArray();
        int[] symbols = new int[cps.length];
        for (int i = 0; i < cps.length; i++) symbols[i] = symbolOf(cps[i]);
        int[] positions = new int[cps.length];
        int n = merges.merge(symbols, cps.length, positions);
        IntList ids = new IntList();
        for (int k = 0; k < n; k++) {
            int s = symbols[k];
            if (s >= 0 && s < vocab.size()) {
                ids.add(s);
            } else {
                for (byte b : new String(Character.toChars(cps[positions[k]])).getBytes(StandardCharsets.UTF_8)) {
                    if (byteTokens[b & 0xFF] >= 0) ids.add(byteTokens[b & 0xFF]);
                }
            }
        }
        return ids.toArray();
    }

    @Override
    void appendPiece(int id, boolean first, ByteArrayOutputStream out) {
        String p = vocab.pieces[id];
        switch (vocab.types[id]) {
            case BYTE -> out.write(Integer.parseInt(p.substring(3, 5), 16));
            case USER_DEFINED -> appendUtf8(p, out);
            default -> {
                String text = p.replace(SPACE, ' ');
                // The dummy prefix the encoder added is not part of the text.
                if (first && addSpacePrefix && text.startsWith(" ")) text = text.substring(1);
                appendUtf8(text, out);
            }
        }
    }
}
