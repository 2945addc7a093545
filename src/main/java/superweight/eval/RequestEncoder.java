package superweight.eval;

import superweight.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Turns (context, continuation) strings into token ids the way lm-evaluation-harness's HFLM does: trailing spaces
 * of the context move to the front of the continuation; context + continuation is encoded as ONE string and split
 * at the length of the context's own encoding (so a token that straddles the boundary belongs to the
 * continuation); an empty context becomes the single prefix token (BOS, else EOS, handled per
 * {@link BosConvention}); and a sequence longer than the model's length + 1 loses tokens from the front. Rolling
 * requests (a whole document) become {@link RollingWindows}.
 */
public final class RequestEncoder {
    private final Tokenizer tokenizer;
    private final boolean addBos;
    private final int maxLength;
    private final BosConvention convention;

    /** @param maxLength the model's context length (lm-eval's {@code max_length}) */
    public RequestEncoder(Tokenizer tokenizer, boolean addBos, int maxLength) {
        this(tokenizer, addBos, maxLength, BosConvention.LM_EVAL_0_4_3);
    }

    public RequestEncoder(Tokenizer tokenizer, boolean addBos, int maxLength, BosConvention convention) {
        this.tokenizer = tokenizer;
        this.addBos = addBos;
        this.maxLength = maxLength;
        this.convention = convention;
    }

    public boolean addBos() {
        return addBos;
    }

    /** lm-eval's {@code prefix_token_id}: BOS, else EOS. */
    int prefixToken() {
        return tokenizer.bosId() >= 0 ? tokenizer.bosId() : tokenizer.eosId();
    }

    public EncodedPair encode(String context, String continuation) {
        int spaces = context.length() - Python.rstrip(context).length();
        if (spaces > 0) {
            continuation = context.substring(context.length() - spaces) + continuation;
            context = context.substring(0, context.length() - spaces);
        }
        int[] ctx, cont;
        if (context.isEmpty()) {
            int prefix = prefixToken();
            ctx = new int[]{prefix};
            if (convention == BosConvention.LM_EVAL_0_4_3) {
                cont = tokenizer.encode(continuation, addBos, false);
            } else {
                cont = tokenizer.encode(continuation, false, false);
                if (cont.length > 1 && cont[0] == prefix) cont = Arrays.copyOfRange(cont, 1, cont.length);
            }
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

    /**
     * A whole document as lm-eval's {@code loglikelihood_rolling} scores it: {@code tok_encode(text)} (BOS as the
     * BOS setting says: under 0.4.10 a Llama tokenizer's BOS is then predicted from the prefix BOS, as there) cut into
     * rolling windows after the prefix token.
     */
    public List<EncodedPair> rolling(String text) {
        return RollingWindows.of(tokenizer.encode(text, addBos, false), prefixToken(), maxLength);
    }
}
