package superweight.eval;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Per-item metrics and their aggregation, as lm-evaluation-harness computes them: acc = argmax of the
 * log-likelihoods (first maximum on ties, as np.argmax), acc_norm = argmax of log-likelihood / character length of
 * the choice (Python len: code points), stderr of a mean = sample standard deviation (n - 1) / sqrt(n), perplexity
 * = exp(-mean per-item log-likelihood) with a bootstrap stderr.
 */
public final class Metrics {
    /** lm-eval's default number of bootstrap resamples for the stderr of non-mean aggregations. */
    public static final int BOOTSTRAP_ITERS = 100_000;

    private Metrics() {
    }

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    public static double acc(List<ChoiceScore> scores, int gold) {
        double[] ll = scores.stream().mapToDouble(ChoiceScore::logLikelihood).toArray();
        return argmax(ll) == gold ? 1 : 0;
    }

    public static double accNorm(List<ChoiceScore> scores, List<String> choices, int gold) {
        double[] ll = new double[scores.size()];
        for (int i = 0; i < ll.length; i++) {
            String c = choices.get(i);
            ll[i] = scores.get(i).logLikelihood() / c.codePointCount(0, c.length());
        }
        return argmax(ll) == gold ? 1 : 0;
    }

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /** Sample standard deviation (denominator n - 1); NaN for fewer than two values (lm-eval reports N/A). */
    public static double sampleStddev(double[] x) {
        if (x.length < 2) return Double.NaN;
        double m = mean(x), ss = 0;
        for (double v : x) ss += (v - m) * (v - m);
        return Math.sqrt(ss / (x.length - 1));
    }

    public static double meanStderr(double[] x) {
        return sampleStddev(x) / Math.sqrt(x.length);
    }

    /** exp(-mean(log-likelihoods)): lm-eval's "perplexity" aggregation over per-item log-likelihoods. */
    public static double perplexity(double[] logLikelihoods) {
        return Math.exp(-mean(logLikelihoods));
    }

    /**
     * Bootstrap stderr of the perplexity aggregation: the sample standard deviation of perplexity over
     * {@code iters} resamples with replacement. lm-eval does the same with Python's RNG, so the value agrees only
     * up to resampling noise. Seeded, hence reproducible.
     */
    public static double perplexityStderr(double[] logLikelihoods, int iters, long seed) {
        if (logLikelihoods.length < 2) return Double.NaN;
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = logLikelihoods.length;
        double[] res = new double[iters];
        for (int it = 0; it < iters; it++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += logLikelihoods[rnd.nextInt(n)];
            res[it] = Math.exp(-s / n);
        }
        return sampleStddev(res);
    }
}
