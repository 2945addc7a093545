package superweight.eval;

import superweight.engine.LogProbs;

import superweight.engine.InferenceState;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores the continuations of one item together: the token prefix all its requests share is run once, and each
 * request then continues from that KV cache (truncated back to the prefix) instead of recomputing it. The
 * interventions apply to every forward pass; with a linear-input hook (whose result may depend on all rows of a
 * call) nothing is shared and each request is one full pass. Thread-safe: each thread keeps its own KV cache.
 */
public final class LoglikelihoodScorer {
    private final Transformer transformer;
    private final Interventions interventions;
    private final int vocab;
    private final ThreadLocal<InferenceState> states;

    public LoglikelihoodScorer(Transformer transformer, Interventions interventions) {
        this.transformer = transformer;
        this.interventions = interventions;
        this.vocab = transformer.model().config().vocabSize();
        this.states = ThreadLocal.withInitial(() -> transformer.newState(64));
    }

    public List<ChoiceScore> score(List<EncodedPair> pairs) {
        if (pairs.isEmpty()) return List.of();
        // A linear-input hook may depend on every row of a call (per-tensor activation quantization): then each
        // request gets one full pass of its own, as lm-eval runs it, instead of a split context/continuation pass.
        int prefix = interventions.linearInputHook() == null ? sharedPrefix(pairs) : 0;
        InferenceState st = states.get();
        st.truncate(0);
        float[] prefixLogits = null;
        if (prefix > 0) {
            int[] head = java.util.Arrays.copyOf(pairs.getFirst().tokens(), prefix);
            float[] last = new float[vocab];
            transformer.forward(st, head, Taps.NONE, interventions, prefix - 1,
                    (pos, logits, off) -> System.arraycopy(logits, off, last, 0, vocab));
            prefixLogits = last;
        }
        List<ChoiceScore> out = new ArrayList<>(pairs.size());
        for (EncodedPair p : pairs) {
            st.truncate(prefix);
            int[] t = p.tokens();
            int first = p.firstScoredPosition();
            double[] ll = {0};
            boolean[] greedy = {true};
            if (first == prefix - 1) accumulate(prefixLogits, 0, t[prefix], ll, greedy);
            int[] rest = java.util.Arrays.copyOfRange(t, prefix, t.length - 1);
            transformer.forward(st, rest, Taps.NONE, interventions, Math.max(0, first - prefix),
                    (pos, logits, off) -> accumulate(logits, off, t[pos + 1], ll, greedy));
            out.add(new ChoiceScore(ll[0], greedy[0], p.continuationLength()));
        }
        return out;
    }

    private void accumulate(float[] logits, int off, int target, double[] ll, boolean[] greedy) {
        ll[0] += LogProbs.logProb(logits, off, vocab, target);
        if (LogProbs.argmax(logits, off, vocab) != target) greedy[0] = false;
    }

    /**
     * The number of leading input tokens every request shares, capped so that no request's first scored position
     * lies before the prefix's last position (only that one row of prefix logits is kept).
     */
    static int sharedPrefix(List<EncodedPair> pairs) {
        int[] a = pairs.getFirst().tokens();
        int n = a.length - 1;
        for (EncodedPair p : pairs) {
            int[] b = p.tokens();
            n = Math.min(n, Math.min(b.length - 1, p.firstScoredPosition() + 1));
            int i = 0;
            while (i < n && a[i] == b[i]) i++;
            n = i;
        }
        return n;
    }
}
