package superweight.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Byte-level BPE (GPT-2, GPT-NeoX/OLMo/Pythia, MPT, StarCoder, Falcon, Refact, DeepSeek, Llama 3, Qwen2, SmolLM):
 * the family's pre-tokenizer cuts text into words, each word's UTF-8 bytes become the printable stand-in characters
 * of the GPT-2 byte table, and ranked merges join them.
 */
final class ByteLevelBpe extends BaseTokenizer {
    /** GPT-2's table: printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100 onwards. */
    static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : 256 + extra++);
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private final PreTokenizer preTokenizer;
    private final PairMerges merges = new PairMerges(1 << 16);
    private final int[] byteSymbol = new int[256];
    /** Merge results that are not vocabulary pieces (ids from vocab size on); they fall back to single bytes. */
    private final List<String> extraPieces = new ArrayList<>();
    private final Map<String, Integer> extraIds = new HashMap<>();
    private final boolean ignoreMerges;

    /**
     * {@code mergeList} holds (left, right) piece pairs in rank order; {@code ignoreMerges}: whole-word pieces win
     * (Llama 3); {@code normalizer}: tokenizer.json's normalizer (e.g. NFC), identity for GGUF.
     */
    ByteLevelBpe(Vocabulary vocab, List<String[]> mergeList, PreTokenizer preTokenizer, boolean ignoreMerges,
                 UnaryOperator<String> normalizer) {
        super(vocab, normalizer);
        this.preTokenizer = preTokenizer;
        this.ignoreMerges = ignoreMerges;
        for (int b = 0; b < 256; b++) byteSymbol[b] = vocab.id(String.valueOf(BYTE_TO_CHAR[b]));
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String[] m = mergeList.get(rank);
            merges.put(symbol(m[0]), symbol(m[1]), rank, symbol(m[0] + m[1]));
        }
    }

    private int symbol(String s) {
        int id = vocab.id(s);
        if (id >= 0) return id;
        return extraIds.computeIfAbsent(s, k -> {
            extraPieces.add(k);
            return vocab.size() + extraPieces.size() - 1;
        });
    }

    @Override
    void encodeNormalized(String text, boolean atStart, IntList out) {
        for (String word : preTokenizer.split(text)) out.addAll(cached(word, this::encodeWord));
    }

    private int[] encodeWord(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            StringBuilder mapped = new StringBuilder(bytes.length);
            for (byte b : bytes) mapped.append(BYTE_TO_CHAR[b & 0xFF]);
            int id = vocab.id(mapped.toString());
            if (id >= 0) return new int[] {id};
        }
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) symbols[i] = byteSymbol[bytes[i] & 0xFF];
        int n = merges.merge(symbols, bytes.length, new int[bytes.length]);
        IntList ids = new IntList();
        for (int k = 0; k < n; k++) {
            int s = symbols[k];
            if (s >= 0 && s < vocab.size()) {
                ids.add(s);
            } else if (s >= vocab.size()) {
                for (char c : extraPieces.get(s - vocab.size()).toCharArray()) {
                    int id = vocab.id(String.valueOf(c));
                    ids.add(id >= 0 ? id : vocab.unk);
                }
            } else if (vocab.unk >= 0) {
                ids.add(vocab.unk);
            }
        }
        return ids.toArray();
    }

    @Override
    void appendPiece(int id, boolean first, ByteArrayOutputStream out) {
        String p = vocab.pieces[id];
        if (vocab.types[id] == TokenType.USER_DEFINED) {
            appendUtf8(p, out);
            return;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) out.write(b);
            else appendUtf8(String.valueOf(c), out);
        }
    }
}
