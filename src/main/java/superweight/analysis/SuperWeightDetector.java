package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.util.ArrayList;
import java.util.List;

/**
 * Data-free super weight detection (Yu et al. 2024, Section 3.1), the rule of the public detectors: one forward
 * pass records, per layer, the largest-|value| element of the down-projection input X and output Y. Every layer
 * where both |X| and |Y| exceed the threshold yields a candidate W[j, k] with k = the input spike's channel and
 * j = the output spike's channel. New candidates are zeroed and the pass is repeated, until a pass reveals
 * nothing new or the iteration budget is spent. Zeroing what was found lets super weights that the first ones
 * masked (or that feed on the same spike, as Phi-3's rows sharing one column) surface in later passes.
 */
public final class SuperWeightDetector {
    /** The paper's detection prompt. */
    public static final String PAPER_PROMPT = "Apple Inc. is a worldwide tech company.";
    public static final double DEFAULT_THRESHOLD = 50;
    public static final int DEFAULT_MAX_ITERATIONS = 10;

    private final double threshold;
    private final int maxIterations;

    public SuperWeightDetector(double threshold, int maxIterations) {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new SuperweightException("--threshold " + threshold + ": must be a positive number");
        }
        if (maxIterations < 1) throw new SuperweightException("--max-iterations " + maxIterations + ": must be at least 1");
        this.threshold = threshold;
        this.maxIterations = maxIterations;
    }

    public SuperWeightDetector() {
        this(DEFAULT_THRESHOLD, DEFAULT_MAX_ITERATIONS);
    }

    public Detection detect(Model model, int[] tokens) {
        if (tokens.length == 0) throw new SuperweightException("detection prompt: no tokens");
        List<SuperWeight> found = new ArrayList<>();
        List<SuperActivation> activations = new ArrayList<>();
        List<Detection.Iteration> iterations = new ArrayList<>();
        for (int it = 0; it < maxIterations; it++) {
            List<WeightEdit> zeroed = new ArrayList<>();
            for (SuperWeight sw : found) zeroed.add(WeightEdit.zero(sw.layer(), Linear.DOWN, sw.row(), sw.col()));
            List<LayerMaximum> perLayer = maxima(model, tokens, Interventions.of(zeroed));
            List<SuperWeight> fresh = new ArrayList<>();
            for (LayerMaximum m : perLayer) {
                if (Math.abs(m.maxIn()) > threshold && Math.abs(m.maxOut()) > threshold) {
                    float value = model.layers().get(m.layer()).down().get(m.maxOutChannel(), m.maxInChannel());
                    SuperWeight sw = new SuperWeight(m.layer(), m.maxOutChannel(), m.maxInChannel(), value);
                    if (found.stream().noneMatch(sw::sameCoordinates)) {
                        fresh.add(sw);
                        if (activations.stream().noneMatch(a -> a.layer() == m.layer() && a.channel() == m.maxOutChannel())) {
                            activations.add(new SuperActivation(m.layer(), m.maxOutPosition(), m.maxOutChannel(), m.maxOut()));
                        }
                    }
                }
            }
            iterations.add(new Detection.Iteration(it + 1, List.copyOf(found), perLayer, fresh));
            if (fresh.isEmpty()) break;
            found.addAll(fresh);
        }
        return new Detection(found, activations, iterations, threshold, maxIterations);
    }

    /** One forward pass (decoder without logits, or encoder) recording every layer's down-projection maxima. */
    public static List<LayerMaximum> maxima(Model model, int[] tokens, Interventions iv) {
        DownProjMaxima taps = new DownProjMaxima(model.config().layers());
        ForwardPass.observe(model, tokens, taps, iv);
        return taps.layers(model.id());
    }

    /** One forward pass (no logits) recording every layer's down-projection maxima. */
    public static List<LayerMaximum> maxima(Transformer transformer, int[] tokens, Interventions iv, String modelName) {
        DownProjMaxima taps = new DownProjMaxima(transformer.model().config().layers());
        transformer.forward(transformer.newState(tokens.length), tokens, taps, iv, tokens.length, (p, l, o) -> { });
        return taps.layers(modelName);
    }
}
