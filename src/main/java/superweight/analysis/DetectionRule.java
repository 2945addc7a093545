package superweight.analysis;

import superweight.SuperweightException;

import java.util.Locale;

/**
 * Which layers give a candidate W[j, k] and which candidates count as super weights (the {@code --rule} option).
 * A layer spikes "on both sides" when its down-projection input maximum and output maximum both pass the rule's
 * test; the candidate is then k = the input spike's channel, j = the output spike's channel.
 */
public sealed interface DetectionRule {
    double DEFAULT_THRESHOLD = 50;
    /**
     * Default R of the relative rule, from measurements (docs/analysis.md): layers without a super weight reach
     * max/median 19-57 on the input side and 4.4-8.4 on the output side (the 8 random-weight architecture fixtures
     * and the trained llama2.c 260K model), the planted fixture's super weight layer 899 and 1410; 100 clears the
     * largest ordinary ratio about twice.
     */
    double DEFAULT_RATIO = 100;

    String SYNTAX = "evidence, paper or relative[:R]";

    /** Whether layer maximum {@code m} spikes on both the input and the output side. */
    boolean spikes(LayerMaximum m);

    /** Whether every candidate of a spiking layer counts as a super weight (the plain rules), or only those the evidence confirms. */
    boolean needsEvidence();

    /** The canonical text of the rule with its parameters, as --rule takes it and reports print it. */
    String label();

    /** The paper's public code: |max input| and |max output| both above {@code threshold}. */
    record Paper(double threshold) implements DetectionRule {
        public Paper {
            if (!(threshold > 0) || Double.isInfinite(threshold)) {
                throw new SuperweightException("--threshold " + threshold + ": must be a positive number");
            }
        }

        public boolean spikes(LayerMaximum m) {
            return Math.abs(m.maxIn()) > threshold && Math.abs(m.maxOut()) > threshold;
        }

        public boolean needsEvidence() {
            return false;
        }

        public String label() {
            return "paper (|in| and |out| > " + fmt(threshold) + ")";
        }
    }

    /** max |value| at least {@code ratio} times the median |value| of the same tensor, on both sides. */
    record Relative(double ratio) implements DetectionRule {
        public Relative {
            if (!(ratio > 1) || Double.isInfinite(ratio)) {
                throw new SuperweightException("--rule relative:" + ratio + ": R must be a number above 1");
            }
        }

        public boolean spikes(LayerMaximum m) {
            return m.inputRatio() >= ratio && m.outputRatio() >= ratio;
        }

        public boolean needsEvidence() {
            return false;
        }

        public String label() {
            return "relative:" + fmt(ratio);
        }
    }

    /**
     * The default: a layer is a candidate when it spikes by the paper's threshold or by the relative rule, and a
     * candidate counts only when the evidence confirms it (same token, explained share, persistence; see
     * {@link Candidate}).
     */
    record Evidence(Paper absolute, Relative relative) implements DetectionRule {
        public boolean spikes(LayerMaximum m) {
            return absolute.spikes(m) || relative.spikes(m);
        }

        public boolean needsEvidence() {
            return true;
        }

        public String label() {
            return "evidence (candidates: |in|, |out| > " + fmt(absolute.threshold()) + " or >= " + fmt(relative.ratio()) + " x median)";
        }
    }

    /** --rule TEXT with --threshold T (used by paper and evidence). */
    static DetectionRule parse(String text, double threshold) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("paper")) return new Paper(threshold);
        if (t.equals("evidence")) return new Evidence(new Paper(threshold), new Relative(DEFAULT_RATIO));
        if (t.equals("relative")) return new Relative(DEFAULT_RATIO);
        if (t.startsWith("relative:")) {
            try {
                return new Relative(Double.parseDouble(t.substring("relative:".length())));
            } catch (NumberFormatException e) {
                throw new SuperweightException("--rule " + text + ": R must be a number above 1");
            }
        }
        throw new SuperweightException("--rule " + text + ": expected " + SYNTAX);
    }

    static DetectionRule defaultRule() {
        return parse("evidence", DEFAULT_THRESHOLD);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
