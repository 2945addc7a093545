package superweight.tokenizer;

import superweight.SuperweightException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What all tokenizer models share: cutting out special-token text, BOS, the bounded cache of already-encoded
 * words, and decoding through bytes (so that byte pieces spread over several tokens join into valid UTF-8;
 * invalid sequences decode to U+FFFD).
 */
abstract class BaseTokenizer implements Tokenizer {
    /** Words longer than this are not cached (they are rare, and would pin large keys). */
    private static final int MAX_CACHED_WORD = 256;
    /** The cache is cleared when it grows past this many words. */
    private static final int MAX_CACHE_ENTRIES = 200_000;

    final Vocabulary vocab;
    private final UnaryOperator<String> normalizer;
    private final SpecialTokens specials;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /** {@code normalizer}: what runs on the text between added tokens before the model (identity for GGUF). */
    BaseTokenizer(Vocabulary vocab, UnaryOperator<String> normalizer) {
        this.vocab = vocab;
        this.normalizer = normalizer;
        this.specials = new SpecialTokens(vocab, normalizer);
    }

    /**
     * Hugging Face's order: tokens matched on the raw text are cut out first; each piece between them is normalized,
     * tokens marked {@code normalized} are cut out of the normalized piece, and what remains goes to the model.
     */
    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        IntList out = new IntList();
        if (addBos && bosId() >= 0) out.add(bosId());
        boolean atStart = true;
        for (SpecialTokens.Fragment raw : specials.splitRaw(text, parseSpecial)) {
            if (!raw.isText()) {
                out.add(raw.token());
                atStart = true;
                continue;
            }
            for (SpecialTokens.Fragment f : specials.splitNormalized(normalizer.apply(raw.text()), parseSpecial)) {
                if (f.isText()) {
                    encodeNormalized(f.text(), atStart, out);
                    atStart = false;
                } else {
                    out.add(f.token());
                    atStart = true;
                }
            }
        }
        if (addBos) appendSequenceEnd(out);
        return out.toArray();
    }

    /**
     * Encodes normalized text with no added token in it; {@code atStart} is true at the start or right after an
     * added token.
     */
    abstract void encodeNormalized(String text, boolean atStart, IntList out);

    /** Tokens the model adds at the end of a sequence when it adds BOS (BERT's [SEP]); none by default. */
    void appendSequenceEnd(IntList out) {
    }

    /** Looks a word up in the cache, encoding and remembering it when absent. */
    final int[] cached(String word, Function<String, int[]> encoder) {
        if (word.length() > MAX_CACHED_WORD) return encoder.apply(word);
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = encoder.apply(word);
            if (cache.size() >= MAX_CACHE_ENTRIES) cache.clear();
            cache.put(word, ids);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean first = true;
        for (int id : ids) {
            if (id < 0 || id >= vocab.size()) {
                throw new SuperweightException("token id " + id + " is outside the vocabulary [0, " + vocab.size() + ")");
            }
            if (vocab.types[id] == TokenType.CONTROL) continue;
            appendPiece(id, first, bytes);
            first = false;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Appends the bytes of one non-control token; {@code first} is true for the first token that produces text. */
    abstract void appendPiece(int id, boolean first, ByteArrayOutputStream out);

    static void appendUtf8(String s, ByteArrayOutputStream out) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return vocab.bos;
    }

    @Override
    public int eosId() {
        return vocab.eos;
    }

    @Override
    public boolean addBosByDefault() {
        return vocab.addBos && bosId() >= 0;
    }

    @Override
    public String piece(int id) {
        if (id < 0 || id >= vocab.size()) {
            throw new SuperweightException("token id " + id + " is outside the vocabulary [0, " + vocab.size() + ")");
        }
        return vocab.pieces[id];
    }
}
