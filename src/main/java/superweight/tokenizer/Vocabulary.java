package superweight.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * The token table shared by every tokenizer model: piece text, score and type per id, the reverse map and the
 * special ids. When a piece occurs twice the later id wins the reverse lookup, as in llama.cpp.
 */
final class Vocabulary {
    final String[] pieces;
    final float[] scores;
    final TokenType[] types;
    final Map<String, Integer> ids;
    final int bos;
    final int eos;
    final int unk;
    final boolean addBos;
    /**
     * Per-token matching attributes of special tokens ({@link #LSTRIP}, {@link #RSTRIP}, {@link #SINGLE_WORD},
     * {@link #NORMALIZED} bits):
     * from tokenizer.json's added_tokens, or llama.cpp's per-model rules for GGUF. Set by the loader before the
     * tokenizer is built.
     */
    final byte[] attributes;
    /** What counts as whitespace for lstrip/rstrip: Unicode for tokenizer.json (Rust), ASCII for GGUF (C isspace). */
    boolean unicodeStrip;

    static final byte LSTRIP = 1, RSTRIP = 2, SINGLE_WORD = 4, NORMALIZED = 8;

    Vocabulary(String[] pieces, float[] scores, TokenType[] types, int bos, int eos, int unk, boolean addBos) {
        this.pieces = pieces;
        this.scores = scores != null ? scores : new float[pieces.length];
        this.types = types;
        this.ids = new HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) ids.put(pieces[i], i);
        this.bos = valid(bos);
        this.eos = valid(eos);
        this.unk = valid(unk);
        this.addBos = addBos;
        this.attributes = new byte[pieces.length];
    }

    void set(int id, byte attribute, boolean on) {
        if (id < 0 || id >= attributes.length) return;
        attributes[id] = (byte) (on ? attributes[id] | attribute : attributes[id] & ~attribute);
    }

    boolean has(int id, byte attribute) {
        return (attributes[id] & attribute) != 0;
    }

    private int valid(int id) {
        return id >= 0 && id < pieces.length ? id : -1;
    }

    int size() {
        return pieces.length;
    }

    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }
}
