package superweight.analysis;

import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quality of a modified encoder measured the way embedding users feel it, instead of perplexity: (1) the cosine
 * between the original and the modified model's embedding of each text, and (2) on a similarity task of related
 * and unrelated pairs, the Spearman correlation between the original's and the modified model's pair similarities
 * (does the ranking survive?) and the task's own score, the probability that a related pair outscores an unrelated
 * one (ROC AUC). The original model's embeddings are computed once, in the constructor; each condition embeds
 * every distinct sequence once (a text that is also a pair member is not embedded twice).
 */
public final class EmbeddingAgreement {
    /** Two texts (token ids) and whether they belong together. */
    public record Pair(int[] a, int[] b, boolean related) {
    }

    /** One condition's agreement with the original model. */
    public record Result(String condition, double meanCosine, double minCosine, double spearman, double auc) {
    }

    /** Where embeddings come from: computed directly, or through a store that keeps them between runs. */
    @FunctionalInterface
    public interface Source {
        /** The embeddings of {@code sequences} in order, for {@code model} under {@code iv} (labelled {@code condition}). */
        List<float[]> embed(String condition, Model model, Interventions iv, List<int[]> sequences);

        /** Computed every time, {@code batch} sequences per pass. */
        static Source direct(Pooling pooling, int batch) {
            return (condition, model, iv, sequences) -> new Embedder(model, pooling).embed(sequences, batch, iv);
        }
    }

    private final Model model;
    private final Source source;
    private final boolean[] related;
    /** Every distinct sequence (texts first, then pair members not among them), each embedded once per condition. */
    private final List<int[]> sequences = new ArrayList<>();
    private final int textCount;
    private final int[][] pairIndex;
    private final List<float[]> original;
    private final double[] originalSimilarities;

    public EmbeddingAgreement(Model model, Pooling pooling, List<int[]> texts, List<Pair> pairs, int batch) {
        this(model, texts, pairs, Source.direct(pooling, batch));
    }

    /** The original model's embeddings come from {@code source} under the condition "original". */
    public EmbeddingAgreement(Model model, List<int[]> texts, List<Pair> pairs, Source source) {
        this.model = model;
        this.source = source;
        Map<int[], Integer> index = new IdentityHashMap<>();
        for (int[] t : texts) indexOf(t, index);
        this.textCount = sequences.size();
        this.pairIndex = new int[pairs.size()][];
        this.related = new boolean[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            pairIndex[i] = new int[]{indexOf(pairs.get(i).a(), index), indexOf(pairs.get(i).b(), index)};
            related[i] = pairs.get(i).related();
        }
        this.original = source.embed("original", model, Interventions.NONE, sequences);
        this.originalSimilarities = similarities(original);
    }

    private int indexOf(int[] seq, Map<int[], Integer> index) {
        return index.computeIfAbsent(seq, k -> {
            sequences.add(k);
            return sequences.size() - 1;
        });
    }

    public Result measure(String condition, Interventions iv) {
        return measure(condition, model, iv);
    }

    /** Agreement of a derived model (e.g. quantized weights) run under {@code iv} with the original model. */
    public Result measure(String condition, Model modifiedModel, Interventions iv) {
        boolean same = modifiedModel == model && iv == Interventions.NONE;
        List<float[]> modified = same ? original : source.embed(condition, modifiedModel, iv, sequences);
        double sum = 0, min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < textCount; i++) {
            double c = dot(original.get(i), modified.get(i));
            sum += c;
            min = Math.min(min, c);
        }
        return new Result(condition, textCount == 0 ? Double.NaN : sum / textCount, textCount == 0 ? Double.NaN : min,
                spearman(originalSimilarities, similarities(modified)), auc(similarities(modified), related));
    }

    private double[] similarities(List<float[]> embeddings) {
        double[] s = new double[pairIndex.length];
        for (int i = 0; i < s.length; i++) s[i] = dot(embeddings.get(pairIndex[i][0]), embeddings.get(pairIndex[i][1]));
        return s;
    }

    /** Embeddings are L2-normalised, so their dot product is the cosine. */
    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
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
