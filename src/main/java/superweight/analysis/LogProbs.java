package superweight.analysis;

/** Numerically stable softmax helpers over one row of logits. */
final class LogProbs {
    private LogProbs() {
    }

    static double logSoftmaxAt(float[] logits, int off, int n, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + index] - max - Math.log(sum);
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
