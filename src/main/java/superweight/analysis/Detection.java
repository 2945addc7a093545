package superweight.analysis;

import java.util.List;

/**
 * The result of iterative detection under one rule: the super weights in the order found, the super activation
 * each one produced when it was found (one per (layer, channel)), every candidate with its evidence and class, and
 * every iteration's per-layer maxima; the last iteration shows the model with every super weight removed.
 */
public record Detection(List<SuperWeight> superWeights, List<SuperActivation> superActivations, List<Candidate> candidates,
                        List<Iteration> iterations, DetectionRule rule, int maxIterations) {
    public Detection {
        superWeights = List.copyOf(superWeights);
        superActivations = List.copyOf(superActivations);
        candidates = List.copyOf(candidates);
        iterations = List.copyOf(iterations);
    }

    /** One forward pass (index 1, 2, ...) with the super weights found so far zeroed, and what it revealed. */
    public record Iteration(int index, List<SuperWeight> zeroed, List<LayerMaximum> perLayer, List<SuperWeight> found) {
        public Iteration {
            zeroed = List.copyOf(zeroed);
            perLayer = List.copyOf(perLayer);
            found = List.copyOf(found);
        }
    }

    /** The candidate record of a detected super weight (its evidence). */
    public Candidate candidate(SuperWeight sw) {
        return candidates.stream().filter(c -> c.weight().sameCoordinates(sw)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(sw.coordinates() + " was not a candidate"));
    }

    /** Per-layer maxima of the unmodified model (the first pass). */
    public List<LayerMaximum> before() {
        return iterations.getFirst().perLayer();
    }

    /** Per-layer maxima with every detected super weight zeroed (the last pass). */
    public List<LayerMaximum> after() {
        return iterations.getLast().perLayer();
    }
}
