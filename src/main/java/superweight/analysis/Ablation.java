package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.util.List;

/** Turns a {@link Condition} into the interventions that realise it on a model with known super weights. */
public final class Ablation {
    private Ablation() {
    }

    public static Interventions plan(Condition condition, Model model, List<SuperWeight> superWeights) {
        boolean needsSuperWeights = condition instanceof Condition.PruneSuperWeights
                || condition instanceof Condition.PruneSuperWeightsRestoreActivations || condition instanceof Condition.Scale;
        if (needsSuperWeights && superWeights.isEmpty()) {
            throw new SuperweightException(model.id() + ": condition " + condition.label()
                    + " needs super weights, but none were detected or given");
        }
        return switch (condition) {
            case Condition.Original o -> Interventions.NONE;
            case Condition.PruneSuperWeights p -> Interventions.of(scaled(superWeights, 0f));
            case Condition.PruneSuperWeightsRestoreActivations r -> SuperActivationRestore.interventions(model, superWeights);
            case Condition.PruneNonSuperWeights p -> Interventions.of(LargestWeights.zeroEdits(LargestWeights.find(model, p.count(), superWeights)));
            case Condition.PruneNonSuperWeightsPerTensor p ->
                    Interventions.of(LargestWeights.zeroEdits(LargestWeights.perTensor(model, p.fraction(), superWeights)));
            case Condition.Scale s -> Interventions.of(scaled(superWeights, s.factor()));
        };
    }

    /** Each super weight multiplied by factor (0 = zeroed). */
    public static List<WeightEdit> scaled(List<SuperWeight> superWeights, float factor) {
        return superWeights.stream().map(s -> factor == 0f
                ? WeightEdit.zero(s.layer(), Linear.DOWN, s.row(), s.col())
                : WeightEdit.scale(s.layer(), Linear.DOWN, s.row(), s.col(), factor)).toList();
    }
}
