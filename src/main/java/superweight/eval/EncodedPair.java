package superweight.eval;

/**
 * One (context, continuation) request as token ids: {@code tokens} is context followed by continuation, already
 * left-truncated to the model's length + 1 the way lm-evaluation-harness does; the last {@code continuationLength}
 * tokens are scored. The model reads tokens[0 .. length-1) (the last token is only a target).
 */
public record EncodedPair(int[] tokens, int continuationLength) {
    public EncodedPair {
        if (continuationLength < 1 || continuationLength >= tokens.length) {
            throw new IllegalArgumentException("continuation of " + continuationLength + " tokens in a sequence of " + tokens.length);
        }
    }

    /** The first position whose logits are used (it predicts the first continuation token). */
    public int firstScoredPosition() {
        return tokens.length - 1 - continuationLength;
    }
}
