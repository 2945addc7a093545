package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.util.List;

/** Turns a {@link Condition} into the model and interventions that realise it, given the super weights. */
public final class Ablation {
    /**
     * What to evaluate for one condition: the model (the original, or a derived one for the all-weights rule, which
     * edits tensors that interventions cannot reach), the interventions on it, and how many weights they change.
     */
    public record Plan(Model model, Interventions interventions, int weightEdits) {
        static Plan of(Model model, Interventions iv) {
            return new Plan(model, iv, iv.weightEdits().size());
        }
    }

    private Ablation() {
    }

    public static Plan plan(Condition condition, Model model, List<SuperWeight> superWeights) {
        boolean needsSuperWeights = condition instanceof Condition.PruneSuperWeights
                || condition instanceof Condition.PruneSuperWeightsRestoreActivations || condition instanceof Condition.Scale;
        if (needsSuperWeights && superWeights.isEmpty()) {
            throw new SuperweightException(model.id() + ": condition " + condition.label()
                    + " needs super weights, but none were detected or given");
        }
        return switch (condition) {
            case Condition.Original o -> Plan.of(model, Interventions.NONE);
            case Condition.PruneSuperWeights p -> Plan.of(model, Interventions.of(scaled(superWeights, 0f)));
            case Condition.PruneSuperWeightsRestoreActivations r -> Plan.of(model, SuperActivationRestore.interventions(model, superWeights));
            case Condition.PruneNonSuperWeights p ->
                    Plan.of(model, Interventions.of(LargestWeights.zeroEdits(LargestWeights.find(model, p.count(), superWeights))));
            case Condition.PruneNonSuperWeightsPerTensor p -> Plan.of(model, Interventions.of(LargestWeights.zeroEdits(
                    LargestWeights.perTensor(model, p.fraction(), superWeights, p.firstLayer(), p.lastLayer()))));
            case Condition.PruneNonSuperWeightsAllWeights p -> {
                AllWeightsPruning.Result r = AllWeightsPruning.apply(model, p.fraction(), superWeights);
                yield new Plan(r.model(), Interventions.NONE, r.zeroed());
            }
            case Condition.Scale s -> Plan.of(model, Interventions.of(scaled(superWeights, s.factor())));
        };
    }

    /** Each super weight multiplied by factor (0 = zeroed). */
    public static List<WeightEdit> scaled(List<SuperWeight> superWeights, float factor) {
        return superWeights.stream().map(s -> factor == 0f
                ? WeightEdit.zero(s.layer(), Linear.DOWN, s.row(), s.col())
                : WeightEdit.scale(s.layer(), Linear.DOWN, s.row(), s.col(), factor)).toList();
    }
}
