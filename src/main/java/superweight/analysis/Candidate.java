package superweight.analysis;

import java.util.List;

/**
 * One W[j, k] proposed by a spiking layer, with the evidence that decides whether it is a super weight:
 * <ul>
 * <li>{@code sameToken}: the input spike X[i, k] and the output spike Y[i', j] sit at the same position (i = i');</li>
 * <li>{@code explainedShare}: W[j, k] * X[i, k] / Y[i, j], how much of the output spike this one weight makes
 * (about 1 for a super weight; a spike that many weights build together gives a small share; NaN when the
 * positions differ);</li>
 * <li>{@code persistence}: the fraction of the residual streams after this block and every later one in which
 * zeroing the weight removes at least half of |h[i, j]| (a super activation rides the residual stream).</li>
 * </ul>
 * {@code residual} holds those residual values, original and with the weight zeroed.
 */
public record Candidate(SuperWeight weight, int pass, LayerMaximum spike, double explainedShare,
                        List<ResidualValue> residual, double persistence, Kind kind) {
    /** Explained share and persistence a super weight needs ("most" of its output spike, most later layers). */
    public static final double MIN_SHARE = 0.5, MIN_PERSISTENCE = 0.5;

    public enum Kind {
        SUPER_WEIGHT("super weight"), LATE_LAYER_SPIKE("late-layer spike"), UNEXPLAINED("unexplained");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** Residual channel j at the spike's position after one block: as the model has it, and with the candidate zeroed. */
    public record ResidualValue(int layer, float original, float zeroed) {
        /** The weight removes at least half of the value. */
        boolean removed() {
            return Math.abs(zeroed) <= 0.5 * Math.abs(original) && original != 0;
        }
    }

    public Candidate {
        residual = List.copyOf(residual);
    }

    public boolean sameToken() {
        return spike.maxInPosition() == spike.maxOutPosition();
    }

    /**
     * The class the evidence gives: a super weight when all three tests pass; otherwise a late-layer spike when it
     * sits in the second half of the network (the spikes before the final norm, as layer 30 of Llama-7B in the
     * paper's Figure 3), and unexplained in the first half.
     */
    static Kind classify(int layer, int layers, boolean sameToken, double share, double persistence) {
        if (sameToken && share >= MIN_SHARE && persistence >= MIN_PERSISTENCE) return Kind.SUPER_WEIGHT;
        return 2 * layer >= layers ? Kind.LATE_LAYER_SPIKE : Kind.UNEXPLAINED;
    }

    static double persistence(List<ResidualValue> residual) {
        if (residual.isEmpty()) return 0;
        return (double) residual.stream().filter(ResidualValue::removed).count() / residual.size();
    }
}
