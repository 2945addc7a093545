package superweight.engine;

/** Log-softmax helpers over logits rows, accumulated in double. */
public final class LogProbs {
    private LogProbs() {
    }

    /** log softmax(logits[off .. off+n))[target]. */
    public static double logProb(float[] logits, int off, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + target] - max - Math.log(sum);
    }

    /** The index of the largest logit in logits[off .. off+n); the first one on ties, as torch.argmax. */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    /** The probabilities of logits[off .. off+n), in double precision. */
    public static double[] softmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp(logits[off + i] - max);
        for (int i = 0; i < n; i++) p[i] /= sum;
        return p;
    }
}
