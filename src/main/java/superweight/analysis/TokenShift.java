package superweight.analysis;

import superweight.engine.LogProbs;

import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * How removing the super weights moves the next-token distribution (the paper's Figure 5): the next-token
 * probabilities after each prompt, averaged over prompts, with and without the change; the tokens that gain or
 * lose most; and the probability mass on stopwords and punctuation before and after.
 */
public final class TokenShift {
    /** One token's average probability before and after, and its piece text. */
    public record TokenChange(int token, String piece, double before, double after, boolean stopword) {
        public double ratio() {
            return before == 0 ? Double.POSITIVE_INFINITY : after / before;
        }
    }

    /** Distributions averaged over {@code prompts} prompts. */
    public record Result(int prompts, double[] before, double[] after, double stopwordShareBefore, double stopwordShareAfter,
                         List<TokenChange> topBefore, List<TokenChange> mostIncreased, List<TokenChange> mostDecreased) {
    }

    /** English stopwords and punctuation, matched against a token's text with its leading space marker removed. */
    public static final Set<String> STOPWORDS = Set.of(
            "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as",
            "is", "was", "are", "were", "be", "been", "it", "its", "he", "she", "they", "them", "his", "her", "their",
            "i", "you", "we", "me", "my", "your", "our", "that", "this", "these", "those", "there", "here", "not", "no",
            "so", "if", "then", "than", "had", "has", "have", "do", "did", "does", "will", "would", "can", "could",
            "what", "which", "who", "when", "where", "how", "all", "just", "up", "out", "about", "into", "over",
            ".", ",", "!", "?", ";", ":", "'", "\"", "-", "(", ")", "'s", "...");

    private TokenShift() {
    }

    public static boolean isStopword(String piece) {
        if (piece == null) return false;
        String p = piece.replace('\u2581', ' ').replace('\u0120', ' ');
        if (p.equals("<0x0A>") || p.equals("\u010A")) return true;
        String t = p.strip().toLowerCase(Locale.ROOT);
        return !t.isEmpty() && STOPWORDS.contains(t) || (t.isEmpty() && p.contains("\n"));
    }

    /**
     * Average next-token probabilities after each prompt (one causal pass per prompt, logits of the last position);
     * {@code step} runs after each prompt (progress).
     */
    public static double[] averageNextToken(Model model, List<int[]> prompts, Interventions iv, Runnable step) {
        Transformer t = new Transformer(model);
        int vocab = model.config().vocabSize();
        double[] avg = new double[vocab];
        for (int[] tokens : prompts) {
            float[] last = new float[vocab];
            t.forward(t.newState(tokens.length), tokens, Taps.NONE, iv, tokens.length - 1,
                    (pos, l, off) -> System.arraycopy(l, off, last, 0, vocab));
            double[] p = LogProbs.softmax(last, 0, vocab);
            for (int i = 0; i < vocab; i++) avg[i] += p[i] / prompts.size();
            step.run();
        }
        return avg;
    }

    /** Original vs changed (a condition's plan) over the prompts; {@code step} runs after each of the 2 x prompts passes. */
    public static Result compare(Model model, List<int[]> prompts, Ablation.Plan changed, IntFunction<String> pieces, int top, Runnable step) {
        double[] before = averageNextToken(model, prompts, Interventions.NONE, step);
        double[] after = averageNextToken(changed.model(), prompts, changed.interventions(), step);
        double swBefore = 0, swAfter = 0;
        List<TokenChange> all = new ArrayList<>();
        for (int i = 0; i < before.length; i++) {
            String piece = pieces.apply(i);
            boolean sw = isStopword(piece);
            if (sw) {
                swBefore += before[i];
                swAfter += after[i];
            }
            all.add(new TokenChange(i, piece, before[i], after[i], sw));
        }
        List<TokenChange> topBefore = all.stream().sorted(Comparator.comparingDouble(TokenChange::before).reversed()).limit(top).toList();
        List<TokenChange> up = all.stream().sorted(Comparator.comparingDouble((TokenChange c) -> c.after() - c.before()).reversed()).limit(top).toList();
        List<TokenChange> down = all.stream().sorted(Comparator.comparingDouble((TokenChange c) -> c.after() - c.before())).limit(top).toList();
        return new Result(prompts.size(), before, after, swBefore, swAfter, topBefore, up, down);
    }

    /** One prompt's top-k next tokens with and without the change (the paper's "Summer is hot. Winter is" example). */
    public record CaseStudy(List<Ranked> before, List<Ranked> after) {
    }

    public record Ranked(int rank, int token, String piece, double probability) {
    }

    public static CaseStudy caseStudy(Model model, int[] prompt, Ablation.Plan changed, IntFunction<String> pieces, int k) {
        double[] b = averageNextToken(model, List.of(prompt), Interventions.NONE, () -> { });
        double[] a = averageNextToken(changed.model(), List.of(prompt), changed.interventions(), () -> { });
        return new CaseStudy(topK(b, pieces, k), topK(a, pieces, k));
    }

    static List<Ranked> topK(double[] p, IntFunction<String> pieces, int k) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (x, y) -> Double.compare(p[y], p[x]));
        List<Ranked> r = new ArrayList<>();
        for (int i = 0; i < Math.min(k, p.length); i++) r.add(new Ranked(i + 1, idx[i], pieces.apply(idx[i]), p[idx[i]]));
        return r;
    }
}
