package superweight.analysis;

import superweight.SuperweightException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One column of the paper's Table 1 (or one point of its scaling sweep), parsed from the command line. */
public sealed interface Condition {
    int DEFAULT_NON_SUPER_WEIGHTS = 7000;

    /** The text that names this condition on the command line and in reports. */
    String label();

    /** The model as it is. */
    record Original() implements Condition {
        public String label() {
            return "original";
        }
    }

    /** Every super weight set to zero. */
    record PruneSuperWeights() implements Condition {
        public String label() {
            return "prune-sw";
        }
    }

    /** Super weights zeroed, but each sequence's original super activation written back where it was. */
    record PruneSuperWeightsRestoreActivations() implements Condition {
        public String label() {
            return "prune-sw-restore-sa";
        }
    }

    /** The {@code count} largest-magnitude decoder linear weights other than the super weights set to zero. */
    record PruneNonSuperWeights(int count) implements Condition {
        public String label() {
            return "prune-non-sw:" + count;
        }
    }

    /**
     * The paper code's rule: in each decoder linear, the top {@code fraction} of weights by magnitude set to zero,
     * super weights kept.
     */
    record PruneNonSuperWeightsPerTensor(double fraction) implements Condition {
        public String label() {
            return "prune-non-sw-per-tensor:" + fraction;
        }
    }

    /** Every super weight multiplied by {@code factor}. */
    record Scale(float factor) implements Condition {
        public String label() {
            return "scale:" + trim(factor);
        }
    }

    double DEFAULT_PER_TENSOR_FRACTION = 1e-6;

    String SYNTAX = "original, prune-sw, prune-sw-restore-sa, prune-non-sw[:N], prune-non-sw-per-tensor[:FRACTION] or scale:F";

    static Condition parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("original")) return new Original();
        if (t.equals("prune-sw")) return new PruneSuperWeights();
        if (t.equals("prune-sw-restore-sa")) return new PruneSuperWeightsRestoreActivations();
        if (t.equals("prune-non-sw")) return new PruneNonSuperWeights(DEFAULT_NON_SUPER_WEIGHTS);
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
        if (t.startsWith("prune-non-sw-per-tensor:")) {
            double f;
            try {
                f = Double.parseDouble(t.substring("prune-non-sw-per-tensor:".length()));
            } catch (NumberFormatException e) {
                f = Double.NaN;
            }
            if (!(f > 0 && f <= 1)) throw new SuperweightException("condition '" + text + "': FRACTION must be in (0, 1]");
            return new PruneNonSuperWeightsPerTensor(f);
        }
        if (t.startsWith("scale:")) return new Scale(parseFactor(t.substring("scale:".length()), "condition '" + text + "'"));
        throw new SuperweightException("unknown condition '" + text + "' (expected " + SYNTAX + ")");
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
