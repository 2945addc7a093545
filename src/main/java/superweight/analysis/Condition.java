package superweight.analysis;

import superweight.SuperweightException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One column of the paper's Table 1 (or one point of its scaling sweep), parsed from the command line. The label
 * names the condition in reports and keys its results in the run store, so a label, once written, keeps its
 * meaning: "prune-non-sw:N" is the global top-N rule and "prune-non-sw-per-tensor:F" the per-tensor rule over all
 * layers, as they were before "prune-non-sw" became the paper code's per-tensor rule over layers 0-31.
 */
public sealed interface Condition {
    int DEFAULT_NON_SUPER_WEIGHTS = 7000;
    double DEFAULT_PER_TENSOR_FRACTION = 1e-6;
    /** Figure 4 of the paper (its analyze.py plot_max_activation_ablation) prunes this fraction of every weight. */
    double DEFAULT_ALL_WEIGHTS_FRACTION = 5e-7;
    /** The paper code's layer range "0-32", Python's range(0, 32): layers 0..31. */
    int REFERENCE_LAST_LAYER = 31;

    String SYNTAX = "original, prune-sw, prune-sw-restore-sa, prune-non-sw, prune-non-sw:N, prune-non-sw-per-tensor[:F[:A-B|:all]], "
            + "prune-non-sw-all-weights[:F] or scale:F";

    /** The text that names this condition on the command line, in reports and in the run store. */
    String label();

    /** What the condition does, in words (printed under tables, recorded as "rule" in JSON). */
    String rule();

    /** The model as it is. */
    record Original() implements Condition {
        public String label() {
            return "original";
        }

        public String rule() {
            return "the model as it is";
        }
    }

    /** Every super weight set to zero. */
    record PruneSuperWeights() implements Condition {
        public String label() {
            return "prune-sw";
        }

        public String rule() {
            return "every super weight set to 0";
        }
    }

    /** Super weights zeroed, but each sequence's original super activation written back where it was. */
    record PruneSuperWeightsRestoreActivations() implements Condition {
        public String label() {
            return "prune-sw-restore-sa";
        }

        public String rule() {
            return "super weights set to 0, each sequence's original super activation written back";
        }
    }

    /** The {@code count} largest-magnitude decoder linear weights other than the super weights set to zero. */
    record PruneNonSuperWeights(int count) implements Condition {
        public String label() {
            return "prune-non-sw:" + count;
        }

        public String rule() {
            return "global: the " + count + " largest |w| over every layer's q/k/v/o/gate/up/down weights set to 0, super weights kept";
        }
    }

    /**
     * The paper code's rule (search_percentage_F_A-B_all, then the super weights restored): in each q/k/v/o/gate/up/
     * down weight of layers {@code firstLayer..lastLayer}, the int(numel * fraction) largest |w|, ties at the
     * threshold included, set to zero, super weights kept. {@code lastLayer} = Integer.MAX_VALUE covers all layers.
     */
    record PruneNonSuperWeightsPerTensor(double fraction, int firstLayer, int lastLayer) implements Condition {
        public PruneNonSuperWeightsPerTensor(double fraction) {
            this(fraction, 0, Integer.MAX_VALUE);
        }

        public boolean allLayers() {
            return firstLayer == 0 && lastLayer == Integer.MAX_VALUE;
        }

        public String label() {
            return "prune-non-sw-per-tensor:" + fraction + (allLayers() ? "" : ":" + firstLayer + "-" + lastLayer);
        }

        public String rule() {
            return "per tensor: the int(numel*" + fraction + ") largest |w| of each q/k/v/o/gate/up/down weight of "
                    + (allLayers() ? "every layer" : "layers " + firstLayer + "-" + lastLayer) + " set to 0 (ties included), super weights kept";
        }

        /** The layers of a {@code layers}-layer model this rule leaves alone, in words, or null when it covers them all. */
        public String uncovered(int layers) {
            if (firstLayer == 0 && lastLayer >= layers - 1) return null;
            List<String> parts = new ArrayList<>();
            if (firstLayer > 0) parts.add(range(0, Math.min(firstLayer, layers) - 1));
            if (lastLayer < layers - 1) parts.add(range(lastLayer + 1, layers - 1));
            return "not pruned in this " + layers + "-layer model: " + String.join(" and ", parts);
        }

        private static String range(int a, int b) {
            return a == b ? "layer " + a : "layers " + a + "-" + b;
        }
    }

    /**
     * Figure 4's variant (analyze.py remove_outliers): in every weight tensor of the model, embeddings, norms and
     * the LM head included, the int(numel * fraction) largest |w| (ties included) set to zero, super weights kept.
     */
    record PruneNonSuperWeightsAllWeights(double fraction) implements Condition {
        public String label() {
            return "prune-non-sw-all-weights:" + fraction;
        }

        public String rule() {
            return "every weight tensor (embeddings, norms, lm_head included): the int(numel*" + fraction
                    + ") largest |w| set to 0 (ties included), super weights kept";
        }
    }

    /** Every super weight multiplied by {@code factor}. */
    record Scale(float factor) implements Condition {
        public String label() {
            return "scale:" + trim(factor);
        }

        public String rule() {
            return "every super weight multiplied by " + trim(factor);
        }
    }

    static Condition parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("original")) return new Original();
        if (t.equals("prune-sw")) return new PruneSuperWeights();
        if (t.equals("prune-sw-restore-sa")) return new PruneSuperWeightsRestoreActivations();
        if (t.equals("prune-non-sw")) return new PruneNonSuperWeightsPerTensor(DEFAULT_PER_TENSOR_FRACTION, 0, REFERENCE_LAST_LAYER);
        if (t.startsWith("prune-non-sw:")) {
            String n = t.substring("prune-non-sw:".length());
            try {
                int count = Integer.parseInt(n);
                if (count < 1) throw new NumberFormatException();
                return new PruneNonSuperWeights(count);
            } catch (NumberFormatException e) {
                throw new SuperweightException("condition '" + text + "': N must be a positive integer");
            }
        }
        if (t.equals("prune-non-sw-per-tensor")) return new PruneNonSuperWeightsPerTensor(DEFAULT_PER_TENSOR_FRACTION);
        if (t.startsWith("prune-non-sw-per-tensor:")) return perTensor(text, t.substring("prune-non-sw-per-tensor:".length()));
        if (t.equals("prune-non-sw-all-weights")) return new PruneNonSuperWeightsAllWeights(DEFAULT_ALL_WEIGHTS_FRACTION);
        if (t.startsWith("prune-non-sw-all-weights:")) {
            return new PruneNonSuperWeightsAllWeights(fraction(text, t.substring("prune-non-sw-all-weights:".length())));
        }
        if (t.startsWith("scale:")) return new Scale(parseFactor(t.substring("scale:".length()), "condition '" + text + "'"));
        throw new SuperweightException("unknown condition '" + text + "' (expected " + SYNTAX + ")");
    }

    /** "F", "F:all" or "F:A-B" (inclusive layer numbers). */
    private static Condition perTensor(String text, String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length > 2) throw new SuperweightException("condition '" + text + "': expected prune-non-sw-per-tensor[:F[:A-B|:all]]");
        double f = fraction(text, parts[0]);
        if (parts.length == 1 || parts[1].equals("all")) return new PruneNonSuperWeightsPerTensor(f);
        String[] range = parts[1].split("-", -1);
        try {
            if (range.length != 2) throw new NumberFormatException();
            int a = Integer.parseInt(range[0]), b = Integer.parseInt(range[1]);
            if (a < 0 || b < a) throw new NumberFormatException();
            return new PruneNonSuperWeightsPerTensor(f, a, b);
        } catch (NumberFormatException e) {
            throw new SuperweightException("condition '" + text + "': layers must be A-B with 0 <= A <= B, or all");
        }
    }

    private static double fraction(String text, String s) {
        double f;
        try {
            f = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            f = Double.NaN;
        }
        if (!(f > 0 && f <= 1)) throw new SuperweightException("condition '" + text + "': FRACTION must be in (0, 1]");
        return f;
    }

    /** Conditions from repeated options and/or comma-separated lists, in order, duplicates dropped. */
    static List<Condition> parseAll(List<String> texts) {
        List<Condition> r = new ArrayList<>();
        for (String s : texts) {
            for (String part : s.split(",")) {
                if (part.isBlank()) throw new SuperweightException("condition list '" + s + "' has an empty entry");
                Condition c = parse(part);
                if (!r.contains(c)) r.add(c);
            }
        }
        if (r.isEmpty()) throw new SuperweightException("no condition given (expected " + SYNTAX + ")");
        return r;
    }

    /** A finite number; {@code what} names the input in the error. */
    static float parseFactor(String s, String what) {
        try {
            float f = Float.parseFloat(s.trim());
            if (Float.isFinite(f)) return f;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new SuperweightException(what + ": '" + s.trim() + "' is not a finite number");
    }

    /** A comma-separated list of finite factors, e.g. "0,0.5,1,2". */
    static List<Float> parseFactors(String list) {
        List<Float> r = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            if (part.isBlank()) throw new SuperweightException("factor list '" + list + "' has an empty entry");
            r.add(parseFactor(part, "factor list '" + list + "'"));
        }
        return r;
    }

    static String trim(float f) {
        return f == Math.rint(f) && Math.abs(f) < 1e7 ? String.valueOf((long) f) : String.valueOf(f);
    }
}
