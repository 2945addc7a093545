package superweight.analysis;

/** Softmax over one row of logits, in double precision (log-probabilities: engine.LogProbs). */
final class LogProbs {
    private LogProbs() {
    }

    /** The probabilities of one row, in double precision. */
    static double[] softmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp(logits[off + i] - max);
        for (int i = 0; i < n; i++) p[i] /= sum;
        return p;
    }
}
