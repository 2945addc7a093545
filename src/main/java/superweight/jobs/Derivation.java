package superweight.jobs;

import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.model.KernelMode;
import superweight.model.KvCache;
import superweight.model.Model;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;

import java.io.Serializable;
import java.util.List;

/**
 * How a unit's model is made from the checkpoint, as plain serializable data, so that any JVM (a Spark executor)
 * derives exactly the model the driver would: the same {@link Model#derivation()}, hence the same run store key.
 * {@link #condition()} is the label the results are stored under, as the commands store them today.
 */
public sealed interface Derivation extends Serializable {
    /** The label of the run in the store. */
    String condition();

    /** Every parameter, canonically (names the unit and keys the per-JVM cache of derived models). */
    String key();

    Derived derive(Model base);

    /** The model and the interventions a unit evaluates. */
    record Derived(Model model, Interventions interventions) {
    }

    /** A super weight's coordinates and value (the value as the driver read it). */
    record Coordinate(int layer, int row, int col, float value) implements Serializable {
        public static List<Coordinate> of(List<SuperWeight> sws) {
            return sws.stream().map(s -> new Coordinate(s.layer(), s.row(), s.col(), s.value())).toList();
        }

        static List<SuperWeight> superWeights(List<Coordinate> cs) {
            return cs.stream().map(c -> new SuperWeight(c.layer, c.row, c.col, c.value)).toList();
        }
    }

    /** The checkpoint as it is, stored under {@code condition} (eval's --condition). */
    record Unchanged(String condition) implements Derivation {
        @Override
        public String key() {
            return "unchanged";
        }

        @Override
        public Derived derive(Model base) {
            return new Derived(base, Interventions.NONE);
        }
    }

    /** One of the paper's ablation conditions (ablate, sweep), by its label, with the super weights it acts on. */
    record Ablated(String condition, List<Coordinate> superWeights) implements Derivation {
        public Ablated {
            superWeights = List.copyOf(superWeights);
            Condition.parse(condition);   // an unknown label fails on the driver, not in every task
        }

        /**
         * The conditions whose labels parse back to exactly themselves (executors rebuild them from the label), as
         * derivations; any other is left to the command's own pass.
         */
        public static List<Derivation> of(List<? extends Condition> conditions, List<SuperWeight> superWeights) {
            return conditions.stream().filter(c -> Condition.parse(c.label()).equals(c))
                    .map(c -> (Derivation) new Ablated(c.label(), Coordinate.of(superWeights))).toList();
        }

        @Override
        public String key() {
            return "ablation{" + condition + ",super_weights=" + superWeights + "}";
        }

        @Override
        public Derived derive(Model base) {
            Ablation.Plan plan = Ablation.plan(Condition.parse(condition), base, Coordinate.superWeights(superWeights));
            return new Derived(plan.model(), plan.interventions());
        }
    }

    /**
     * A weight-quantization scheme (quant-sweep) by its parts, with the super weights it restores (none when the
     * scheme does not restore).
     */
    record Quantized(String weights, String block, String ragged, String clip, float restoreFactor, boolean includeLmHead,
                     List<Coordinate> restored) implements Derivation {
        public Quantized {
            restored = List.copyOf(restored);
        }

        public static Quantized of(WeightScheme s, List<SuperWeight> restored) {
            return new Quantized(s.weights(), s.block().key(), s.ragged().key(), s.clip().key(), s.restoreFactor(), s.includeLmHead(),
                    s.restores() ? Coordinate.of(restored) : List.of());
        }

        WeightScheme scheme() {
            return new WeightScheme(weights, BlockSize.parse(block), RaggedBlocks.parse(ragged), ClipRule.parse(clip), restoreFactor, includeLmHead);
        }

        @Override
        public String condition() {
            return scheme().label();
        }

        @Override
        public String key() {
            return scheme().key(Coordinate.superWeights(restored));
        }

        @Override
        public Derived derive(Model base) {
            return new Derived(WeightQuantizer.apply(base, scheme(), Coordinate.superWeights(restored)).model(), Interventions.NONE);
        }
    }

    /**
     * {@code inner} in a kernel mode and KV cache precision (eval's {@code --kernels} and {@code --kv-cache}), applied
     * after it in the commands' order, so an executor derives the driver's model and its run store key.
     */
    record InArithmetic(Derivation inner, String kernels, String kvCache) implements Derivation {
        public InArithmetic {
            KernelMode.parse(kernels);   // unknown names fail on the driver, not in every task
            KvCache.parse(kvCache);
        }

        /** {@code inner} itself for the default arithmetic (float, f32 cache), else wrapped. */
        public static Derivation of(Derivation inner, KernelMode mode, KvCache cache) {
            return mode == KernelMode.FLOAT && cache == KvCache.F32 ? inner : new InArithmetic(inner, mode.label(), cache.label());
        }

        @Override
        public String condition() {
            return inner.condition();
        }

        @Override
        public String key() {
            return inner.key() + "|kernels=" + kernels + ",kv-cache=" + kvCache;
        }

        @Override
        public Derived derive(Model base) {
            Derived d = inner.derive(base);
            return new Derived(KernelMode.parse(kernels).apply(KvCache.parse(kvCache).apply(d.model())), d.interventions());
        }
    }
}
