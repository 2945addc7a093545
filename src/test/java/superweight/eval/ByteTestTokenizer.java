package superweight.eval;

import superweight.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * TEST DOUBLE, not a real tokenizer: a deterministic byte-level vocabulary for the id-in/logits-out fixture models
 * (vocab >= 285). 0 = unk, 1 = BOS, 2 = EOS, 3 + b = byte b, 259 + k = the piece "▁" + ('a' + k), i.e. a space
 * followed by a lowercase letter, merged greedily left to right. The merge makes encodings context dependent, as
 * in real subword tokenizers: encode("a b") = [a, ▁b] but encode("a ") + encode("b") = [a, ' ', b], which is what
 * lm-eval's context/continuation splitting exists to handle.
 */
public final class ByteTestTokenizer implements Tokenizer {
    static final int BOS = 1, EOS = 2, BYTES = 3, SPACE_LETTER = 259;
    private final boolean addBosByDefault;

    public ByteTestTokenizer(boolean addBosByDefault) {
        this.addBosByDefault = addBosByDefault;
    }

    public static int byteId(char c) {
        return BYTES + c;
    }

    public static int spaceLetterId(char c) {
        return SPACE_LETTER + (c - 'a');
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        List<Integer> ids = new ArrayList<>();
        if (addBos) ids.add(BOS);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == ' ' && i + 1 < b.length && b[i + 1] >= 'a' && b[i + 1] <= 'z') {
                ids.add(SPACE_LETTER + (b[i + 1] - 'a'));
                i++;
            } else {
                ids.add(BYTES + (b[i] & 0xff));
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id >= SPACE_LETTER && id < SPACE_LETTER + 26) {
                out.write(' ');
                out.write('a' + id - SPACE_LETTER);
            } else if (id >= BYTES && id < SPACE_LETTER) {
                out.write(id - BYTES);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return SPACE_LETTER + 26;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public boolean addBosByDefault() {
        return addBosByDefault;
    }

    @Override
    public String piece(int id) {
        return decode(new int[]{id});
    }
}
