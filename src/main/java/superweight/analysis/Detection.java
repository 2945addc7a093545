package superweight.analysis;

import java.util.List;

/**
 * The result of iterative detection: the super weights in the order found, the super activation each one
 * produced when it was found (one per (layer, channel)), and every iteration's per-layer maxima; the last
 * iteration shows the model with everything found removed.
 */
public record Detection(List<SuperWeight> superWeights, List<SuperActivation> superActivations,
                        List<Iteration> iterations, double threshold, int maxIterations) {
    public Detection {
        superWeights = List.copyOf(superWeights);
        superActivations = List.copyOf(superActivations);
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

    /**
     * How much of the output spike the super weight itself produces: W[j, k] * X[i, k] / Y[i, j] at the spike's
     * position, from the pass that found it (about 1 for a true super weight; NaN when the input and output spikes
     * sit at different positions, which already says the weight did not make that output).
     */
    public double explainedShare(SuperWeight sw) {
        for (Iteration it : iterations) {
            if (it.found().stream().noneMatch(sw::sameCoordinates)) continue;
            LayerMaximum m = it.perLayer().get(sw.layer());
            if (m.maxInPosition() != m.maxOutPosition()) return Double.NaN;
            return (double) sw.value() * m.maxIn() / m.maxOut();
        }
        throw new IllegalArgumentException(sw.coordinates() + " was not detected");
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
