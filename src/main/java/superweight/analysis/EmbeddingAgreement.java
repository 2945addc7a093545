package superweight.analysis;

import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Quality of a modified encoder measured the way embedding users feel it, instead of perplexity: (1) the cosine
 * between the original and the modified model's embedding of each text, and (2) on a similarity task of related
 * and unrelated pairs, the Spearman correlation between the original's and the modified model's pair similarities
 * (does the ranking survive?) and the task's own score, the probability that a related pair outscores an unrelated
 * one (ROC AUC). The original model's numbers are computed once, in the constructor.
 */
public final class EmbeddingAgreement {
    /** Two texts (token ids) and whether they belong together. */
    public record Pair(int[] a, int[] b, boolean related) {
    }

    /** One condition's agreement with the original model. */
    public record Result(String condition, double meanCosine, double minCosine, double spearman, double auc) {
    }

    private final Model model;
    private final Pooling pooling;
    private final List<int[]> texts;
    private final List<Pair> pairs;
    private final int batch;
    private final List<float[]> original;
    private final double[] originalSimilarities;

    public EmbeddingAgreement(Model model, Pooling pooling, List<int[]> texts, List<Pair> pairs, int batch) {
        this.model = model;
        this.pooling = pooling;
        this.texts = List.copyOf(texts);
        this.pairs = List.copyOf(pairs);
        this.batch = batch;
        this.original = embed(texts, Interventions.NONE);
        this.originalSimilarities = similarities(Interventions.NONE);
    }

    public Result measure(String condition, Interventions iv) {
        List<float[]> modified = embed(texts, iv);
        double sum = 0, min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < texts.size(); i++) {
            double c = dot(original.get(i), modified.get(i));
            sum += c;
            min = Math.min(min, c);
        }
        double[] sims = iv == Interventions.NONE ? originalSimilarities : similarities(iv);
        return new Result(condition, texts.isEmpty() ? Double.NaN : sum / texts.size(), texts.isEmpty() ? Double.NaN : min,
                spearman(originalSimilarities, sims), auc(sims, related()));
    }

    private List<float[]> embed(List<int[]> seqs, Interventions iv) {
        return new Embedder(model, pooling).embed(seqs, batch, iv);
    }

    private double[] similarities(Interventions iv) {
        List<int[]> flat = new ArrayList<>();
        for (Pair p : pairs) {
            flat.add(p.a());
            flat.add(p.b());
        }
        List<float[]> e = embed(flat, iv);
        double[] s = new double[pairs.size()];
        for (int i = 0; i < s.length; i++) s[i] = dot(e.get(2 * i), e.get(2 * i + 1));
        return s;
    }

    /** Embeddings are L2-normalised, so their dot product is the cosine. */
    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    private boolean[] related() {
        boolean[] r = new boolean[pairs.size()];
        for (int i = 0; i < r.length; i++) r[i] = pairs.get(i).related();
        return r;
    }

    /** P(similarity of a related pair > that of an unrelated pair), ties counting half. */
    static double auc(double[] sims, boolean[] related) {
        double wins = 0;
        long n = 0;
        for (int i = 0; i < sims.length; i++) {
            if (!related[i]) continue;
            for (int j = 0; j < sims.length; j++) {
                if (related[j]) continue;
                wins += sims[i] > sims[j] ? 1 : sims[i] == sims[j] ? 0.5 : 0;
                n++;
            }
        }
        return n == 0 ? Double.NaN : wins / n;
    }

    /** Spearman's rho: Pearson correlation of the ranks (ties get their average rank). */
    static double spearman(double[] x, double[] y) {
        double[] rx = ranks(x), ry = ranks(y);
        int n = x.length;
        double mx = Arrays.stream(rx).average().orElse(Double.NaN), my = Arrays.stream(ry).average().orElse(Double.NaN);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[order[k]] = rank;
            i = j + 1;
        }
        return r;
    }
}
