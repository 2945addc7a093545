package superweight.analysis;

import superweight.engine.ActivationOverride;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.engine.WeightEdit;
import superweight.model.Linear;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Prune SW, restore SA" (the paper's Table 1), per evaluated sequence as the paper's code does it: the super weights
 * are zeroed, and in each super weight's layer the down-projection output at its row (hidden channel) is put back
 * to the value the unmodified model produces there, at the position where |that channel| is largest in this
 * sequence. The paper's hook reads that original output from the same forward pass; here an unmodified capture
 * pass over the same tokens supplies it (identical for the first super weight layer, whose input no edit can
 * reach; later ones see the original, unpruned upstream model). The capture pass stops after the last layer that
 * holds a super weight.
 */
public final class SuperActivationRestore implements SequenceInterventions {
    private final Transformer original;
    private final List<SuperWeight> superWeights;
    private final List<WeightEdit> zeroes;
    /** layer -> hidden channels to restore in it. */
    private final Map<Integer, List<Integer>> channels = new LinkedHashMap<>();
    private final int lastLayer;

    public SuperActivationRestore(Model model, List<SuperWeight> superWeights) {
        this.original = new Transformer(model);
        this.superWeights = List.copyOf(superWeights);
        this.zeroes = superWeights.stream().map(s -> WeightEdit.zero(s.layer(), Linear.DOWN, s.row(), s.col())).toList();
        int last = -1;
        for (SuperWeight s : superWeights) {
            List<Integer> ch = channels.computeIfAbsent(s.layer(), k -> new ArrayList<>());
            if (!ch.contains(s.row())) ch.add(s.row());
            last = Math.max(last, s.layer());
        }
        this.lastLayer = last;
    }

    /** The original super activations of this sequence: per (layer, channel), the largest-|value| position. */
    public List<SuperActivation> capture(int[] tokens) {
        List<SuperActivation> found = new ArrayList<>();
        if (superWeights.isEmpty() || tokens.length == 0) return found;
        Taps taps = new Taps() {
            @Override
            public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
                List<Integer> ch = channels.get(layer);
                if (ch != null) {
                    for (int c : ch) {
                        int best = 0;
                        for (int i = 1; i < n; i++) if (Math.abs(y[i * dim + c]) > Math.abs(y[best * dim + c])) best = i;
                        found.add(new SuperActivation(layer, start + best, c, y[best * dim + c]));
                    }
                }
                if (layer == lastLayer) throw CaptureComplete.INSTANCE;
            }
        };
        try {
            original.forward(original.newState(tokens.length), tokens, taps, Interventions.NONE, tokens.length, (p, l, o) -> { });
        } catch (CaptureComplete done) {
            // every super weight layer has been seen; the rest of the network is not needed
        }
        return found;
    }

    @Override
    public Interventions forSequence(int[] tokens) {
        List<ActivationOverride> overrides = new ArrayList<>();
        for (SuperActivation a : capture(tokens)) overrides.add(new ActivationOverride(a.layer(), a.position(), a.channel(), a.value()));
        return Interventions.of(zeroes).withActivationOverrides(overrides);
    }

    /** Ends the capture pass early; carries no stack trace since it is not an error. */
    private static final class CaptureComplete extends RuntimeException {
        static final CaptureComplete INSTANCE = new CaptureComplete();

        private CaptureComplete() {
            super(null, null, false, false);
        }
    }
}
