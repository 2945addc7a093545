package superweight.eval;

import superweight.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Turns (context, continuation) strings into token ids the way lm-evaluation-harness's HFLM does: trailing spaces
 * of the context move to the front of the continuation; context + continuation is encoded as ONE string and split
 * at the length of the context's own encoding (so a token that straddles the boundary belongs to the
 * continuation); an empty context becomes the single prefix token (BOS, else EOS); and a sequence longer than the
 * model's length + 1 loses tokens from the front.
 */
public final class RequestEncoder {
    private final Tokenizer tokenizer;
    private final boolean addBos;
    private final int maxLength;

    /** @param maxLength the model's context length (lm-eval's {@code max_length}) */
    public RequestEncoder(Tokenizer tokenizer, boolean addBos, int maxLength) {
        this.tokenizer = tokenizer;
        this.addBos = addBos;
        this.maxLength = maxLength;
    }

    public boolean addBos() {
        return addBos;
    }

    public EncodedPair encode(String context, String continuation) {
        int spaces = context.length() - stripTrailing(context).length();
        if (spaces > 0) {
            continuation = context.substring(context.length() - spaces) + continuation;
            context = context.substring(0, context.length() - spaces);
        }
        int[] ctx, cont;
        if (context.isEmpty()) {
            int prefix = tokenizer.bosId() >= 0 ? tokenizer.bosId() : tokenizer.eosId();
            ctx = new int[]{prefix};
            cont = tokenizer.encode(continuation, false, false);
        } else {
            int[] whole = tokenizer.encode(context + continuation, addBos, false);
            ctx = tokenizer.encode(context, addBos, false);
            cont = Arrays.copyOfRange(whole, Math.min(ctx.length, whole.length), whole.length);
        }
        if (cont.length == 0) {
            throw new IllegalArgumentException("continuation '" + continuation + "' encodes to no tokens after context '" + context + "'");
        }
        int[] all = new int[ctx.length + cont.length];
        System.arraycopy(ctx, 0, all, 0, ctx.length);
        System.arraycopy(cont, 0, all, ctx.length, cont.length);
        if (all.length > maxLength + 1) all = Arrays.copyOfRange(all, all.length - (maxLength + 1), all.length);
        return new EncodedPair(all, Math.min(cont.length, all.length - 1));
    }

    /** Python's str.rstrip(): removes trailing whitespace (Unicode White_Space, as str.isspace). */
    static String stripTrailing(String s) {
        int end = s.length();
        while (end > 0 && isPythonSpace(s.charAt(end - 1))) end--;
        return s.substring(0, end);
    }

    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }
}
