package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.util.ArrayList;
import java.util.List;

/**
 * Data-free super weight detection (Yu et al. 2024, Section 3.1) with the "remove and repeat" loop of the public
 * detectors: one forward pass records, per layer, the largest-|value| element of the down-projection input X and
 * output Y (and their medians). Every layer the rule says spikes on both sides yields a candidate W[j, k] with
 * k = the input spike's channel and j = the output spike's channel. Each new candidate gets its evidence (same
 * token, explained share, persistence in the residual stream: one more pass with it zeroed) and a class. The
 * candidates that count (all of them under the plain rules, the confirmed ones under the evidence rule) are zeroed
 * and the pass repeated, until a pass reveals no new super weight or the iteration budget is spent. Zeroing what
 * was found lets super weights the first ones masked (or that feed on the same spike, as Phi-3's rows sharing one
 * column) surface in later passes.
 */
public final class SuperWeightDetector {
    /** The paper's detection prompt. */
    public static final String PAPER_PROMPT = "Apple Inc. is a worldwide tech company.";
    public static final int DEFAULT_MAX_ITERATIONS = 10;

    private final DetectionRule rule;
    private final int maxIterations;

    public SuperWeightDetector(DetectionRule rule, int maxIterations) {
        if (maxIterations < 1) throw new SuperweightException("--max-iterations " + maxIterations + ": must be at least 1");
        this.rule = rule;
        this.maxIterations = maxIterations;
    }

    /** The paper's plain rule with this threshold. */
    public SuperWeightDetector(double threshold, int maxIterations) {
        this(new DetectionRule.Paper(threshold), maxIterations);
    }

    /** The default evidence rule. */
    public SuperWeightDetector() {
        this(DetectionRule.defaultRule(), DEFAULT_MAX_ITERATIONS);
    }

    public Detection detect(Model model, int[] tokens) {
        if (tokens.length == 0) throw new SuperweightException("detection prompt: no tokens");
        Transformer transformer = new Transformer(model);
        List<SuperWeight> found = new ArrayList<>();
        List<SuperActivation> activations = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        List<Detection.Iteration> iterations = new ArrayList<>();
        for (int it = 1; it <= maxIterations; it++) {
            Pass pass = Pass.run(transformer, tokens, found);
            List<SuperWeight> fresh = new ArrayList<>();
            for (LayerMaximum m : pass.maxima()) {
                if (!rule.spikes(m)) continue;
                SuperWeight w = new SuperWeight(m.layer(), m.maxOutChannel(), m.maxInChannel(),
                        model.layers().get(m.layer()).down().get(m.maxOutChannel(), m.maxInChannel()));
                if (candidates.stream().anyMatch(c -> c.weight().sameCoordinates(w))) continue;
                Candidate c = evidence(transformer, tokens, found, pass, w, it);
                candidates.add(c);
                if (rule.needsEvidence() && c.kind() != Candidate.Kind.SUPER_WEIGHT) continue;
                fresh.add(w);
                if (activations.stream().noneMatch(a -> a.layer() == m.layer() && a.channel() == m.maxOutChannel())) {
                    activations.add(new SuperActivation(m.layer(), m.maxOutPosition(), m.maxOutChannel(), m.maxOut()));
                }
            }
            iterations.add(new Detection.Iteration(it, found, pass.maxima(), fresh));
            if (fresh.isEmpty()) break;
            found.addAll(fresh);
        }
        return new Detection(found, activations, candidates, iterations, rule, maxIterations);
    }

    /** The three tests for {@code w}, found in {@code pass} (run with {@code zeroed} zeroed), and its class. */
    private static Candidate evidence(Transformer transformer, int[] tokens, List<SuperWeight> zeroed, Pass pass, SuperWeight w, int index) {
        LayerMaximum m = pass.maxima().get(w.layer());
        double share = m.maxInPosition() == m.maxOutPosition() ? (double) w.value() * m.maxIn() / m.maxOut() : Double.NaN;
        List<SuperWeight> without = new ArrayList<>(zeroed);
        without.add(w);
        Pass ablated = Pass.run(transformer, tokens, without);
        int hidden = transformer.model().config().hiddenSize(), at = m.maxOutPosition() * hidden + w.row();
        List<Candidate.ResidualValue> residual = new ArrayList<>();
        for (int l = w.layer(); l < pass.residual().length; l++) {
            residual.add(new Candidate.ResidualValue(l, pass.residual()[l][at], ablated.residual()[l][at]));
        }
        double persistence = Candidate.persistence(residual);
        Candidate.Kind kind = Candidate.classify(w.layer(), pass.residual().length, m.maxInPosition() == m.maxOutPosition(), share, persistence);
        return new Candidate(w, index, m, share, residual, persistence, kind);
    }

    /** One forward pass with some weights zeroed: every layer's maxima (with medians) and residual stream [positions * hidden]. */
    private record Pass(List<LayerMaximum> maxima, float[][] residual) {
        static Pass run(Transformer transformer, int[] tokens, List<SuperWeight> zeroed) {
            Model model = transformer.model();
            int layers = model.config().layers(), hidden = model.config().hiddenSize();
            DownProjMaxima maxima = DownProjMaxima.withMedians(layers);
            float[][] residual = new float[layers][tokens.length * hidden];
            Taps taps = new Taps() {
                @Override
                public void downProjInput(int layer, int start, float[] x, int n, int dim) {
                    maxima.downProjInput(layer, start, x, n, dim);
                }

                @Override
                public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
                    maxima.downProjOutput(layer, start, y, n, dim);
                }

                @Override
                public void residual(int layer, int start, float[] h, int n, int dim) {
                    System.arraycopy(h, 0, residual[layer], start * dim, n * dim);
                }
            };
            List<WeightEdit> edits = zeroed.stream().map(s -> WeightEdit.zero(s.layer(), Linear.DOWN, s.row(), s.col())).toList();
            transformer.forward(transformer.newState(tokens.length), tokens, taps, Interventions.of(edits), tokens.length, (p, l, o) -> { });
            return new Pass(maxima.layers(model.id()), residual);
        }
    }
}
