package superweight.jobs;

import superweight.eval.ChoiceScore;

import java.util.ArrayList;
import java.util.List;

/** One scored task item on its way from an executor to the driver: index, requests digest, one score per request. */
public record ScoredItem(int index, String requestsDigest, double[] logLikelihoods, boolean[] greedy, int[] tokens) implements Scored {
    public static ScoredItem of(int index, String requestsDigest, List<ChoiceScore> scores) {
        int n = scores.size();
        double[] ll = new double[n];
        boolean[] g = new boolean[n];
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            ll[i] = scores.get(i).logLikelihood();
            g[i] = scores.get(i).greedy();
            t[i] = scores.get(i).tokens();
        }
        return new ScoredItem(index, requestsDigest, ll, g, t);
    }

    public List<ChoiceScore> scores() {
        List<ChoiceScore> r = new ArrayList<>(logLikelihoods.length);
        for (int i = 0; i < logLikelihoods.length; i++) r.add(new ChoiceScore(logLikelihoods[i], greedy[i], tokens[i]));
        return r;
    }
}
