package superweight.eval;

/** Log-probabilities from one row of logits, in double precision (as PyTorch's log_softmax on float32 logits is close to). */
final class LogProbs {
    private LogProbs() {
    }

    /** log softmax(logits[off .. off+vocab))[target]. */
    static double logProb(float[] logits, int off, int vocab, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        return (logits[off + target] - max) - Math.log(sum);
    }

    /** The index of the largest logit; the first one on ties, as torch.argmax. */
    static int argmax(float[] logits, int off, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }
}
