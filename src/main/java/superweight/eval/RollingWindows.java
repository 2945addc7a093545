package superweight.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * lm-eval's rolling log-likelihood windows ({@code utils.get_rolling_token_windows} with {@code context_len=1},
 * then {@code make_disjoint_window}), which {@code loglikelihood_rolling} scores: every token of the document is
 * predicted exactly once. The first window predicts tokens [0, L) from the prefix token and tokens [0, L-1); each
 * later window predicts the next at most L tokens with the L tokens before its last prediction as input.
 */
final class RollingWindows {
    private RollingWindows() {
    }

    /**
     * @param prefix    the prefix token (lm-eval's {@code prefix_token_id}: BOS, else EOS)
     * @param maxLength lm-eval's {@code max_length} (the model's context)
     * @return each window as context + continuation (the continuation is what is scored); empty for no tokens
     */
    static List<EncodedPair> of(int[] tokens, int prefix, int maxLength) {
        List<EncodedPair> out = new ArrayList<>();
        if (tokens.length == 0) return out;
        int first = Math.min(maxLength, tokens.length);
        int[] seq = new int[first + 1];
        seq[0] = prefix;
        System.arraycopy(tokens, 0, seq, 1, first);
        out.add(new EncodedPair(seq, first));
        int predicted = first;
        while (predicted < tokens.length) {
            int len = Math.min(tokens.length - predicted, maxLength);   // pred_len = max_length - context_len + 1
            int end = predicted + len;
            // input tokens[end - L - 1, end - 1) made disjoint: its first L - len + 1 tokens, then the len predictions
            int start = end - maxLength - 1;
            out.add(new EncodedPair(Arrays.copyOfRange(tokens, start, end), len));
            predicted = end;
        }
        return out;
    }
}
