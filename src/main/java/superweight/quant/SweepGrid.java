package superweight.quant;

import superweight.SuperweightException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's Figure 7 grid as independent work units: model x condition x evaluation target (a task or a perplexity
 * data set). A condition is one point of one curve: a series (method) and an x value (block size). Units share nothing
 * but the run store, so a runner may evaluate them in any order or on other machines; the local runner quantizes each
 * condition once and evaluates its units together.
 */
public final class SweepGrid {
    /** The paper's seven zero-shot tasks (Figure 7 reports their mean accuracy). */
    public static final List<String> PAPER_TASKS = List.of("winogrande", "arc_challenge", "arc_easy", "piqa", "sciq", "hellaswag", "lambada_openai");
    public static final List<String> PAPER_BLOCKS = List.of("16384", "65536", "262144", "1048576");

    /** One point of the figure: which curve, where on the x axis, and what produces the model. */
    public interface Condition {
        String series();

        /** Block size in elements (the x axis); NaN for channel or tensor blocks, which the figure cannot place. */
        double x();

        String label();
    }

    /** A weight-quantization condition: method name (the curve) and its scheme. */
    public record WeightCondition(String series, WeightScheme scheme) implements Condition {
        @Override
        public double x() {
            return scheme.block().kind() == BlockSize.Kind.ELEMENTS ? scheme.block().elements() : Double.NaN;
        }

        @Override
        public String label() {
            return scheme.label();
        }
    }

    /** One unit of work. */
    public record Unit(String model, Condition condition, String target) {
    }

    private SweepGrid() {
    }

    /**
     * Block sizes x methods x code books. A method is {@code rtn}, {@code clip} (with {@code clip}), a clip rule such as
     * {@code z:11} or {@code tp:1e-6}, each optionally followed by {@code +restore} (super weights written back, times
     * {@code factor}); e.g. {@code rtn, clip, clip+restore, z:11+restore}.
     */
    public static List<WeightCondition> conditions(List<String> blocks, List<String> methods, List<String> weights, ClipRule clip,
                                                   float factor, RaggedBlocks ragged, boolean lmHead) {
        List<WeightCondition> r = new ArrayList<>();
        for (String w : weights) {
            for (String m : methods) {
                String method = m.trim().toLowerCase(Locale.ROOT);
                boolean restore = method.endsWith("+restore");
                String rule = restore ? method.substring(0, method.length() - "+restore".length()) : method;
                ClipRule c = switch (rule) {
                    case "rtn" -> ClipRule.NONE;
                    case "clip" -> clip;
                    default -> {
                        if (!rule.contains(":")) throw new SuperweightException("--methods '" + m + "': expected rtn, clip or a clip rule (z:Z, bp:P, tp:P), optionally +restore");
                        yield ClipRule.parse(rule);
                    }
                };
                if (c.kind() == ClipRule.Kind.NONE && rule.equals("clip")) throw new SuperweightException("--methods clip needs --clip RULE (not none)");
                String series = WeightScheme.codeBook(w).name() + " " + (rule.equals("clip") ? c.key() : rule) + (restore ? "+restore" : "");
                for (String b : blocks) {
                    r.add(new WeightCondition(series, new WeightScheme(w, BlockSize.parse(b), ragged, c, restore ? factor : Float.NaN, lmHead)));
                }
            }
        }
        return r;
    }

    /** Every (condition, target) pair for one model, conditions outermost. */
    public static List<Unit> units(String model, List<? extends Condition> conditions, List<String> targets) {
        List<Unit> r = new ArrayList<>();
        for (Condition c : conditions) for (String t : targets) r.add(new Unit(model, c, t));
        return r;
    }
}
