package superweight.engine;

import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.EditedTensor;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable description of changes to a forward pass: weight edits, activation overrides and a linear-input
 * hook. The engine applies them; the model itself is never mutated, so "undo" is simply running without them.
 */
public record Interventions(List<WeightEdit> weightEdits, List<ActivationOverride> activationOverrides, LinearInputHook linearInputHook,
                            DownProjOutputHook downProjOutputHook) {
    public static final Interventions NONE = new Interventions(List.of(), List.of(), null);

    public Interventions {
        weightEdits = List.copyOf(weightEdits);
        activationOverrides = List.copyOf(activationOverrides);
    }

    public Interventions(List<WeightEdit> weightEdits, List<ActivationOverride> activationOverrides, LinearInputHook linearInputHook) {
        this(weightEdits, activationOverrides, linearInputHook, null);
    }

    public static Interventions of(List<WeightEdit> edits) {
        return new Interventions(edits, List.of(), null);
    }

    public Interventions withWeightEdits(List<WeightEdit> more) {
        List<WeightEdit> all = new ArrayList<>(weightEdits);
        all.addAll(more);
        return new Interventions(all, activationOverrides, linearInputHook, downProjOutputHook);
    }

    public Interventions withActivationOverrides(List<ActivationOverride> more) {
        List<ActivationOverride> all = new ArrayList<>(activationOverrides);
        all.addAll(more);
        return new Interventions(weightEdits, all, linearInputHook, downProjOutputHook);
    }

    public Interventions withLinearInputHook(LinearInputHook hook) {
        return new Interventions(weightEdits, activationOverrides, hook, downProjOutputHook);
    }

    public Interventions withDownProjOutputHook(DownProjOutputHook hook) {
        return new Interventions(weightEdits, activationOverrides, linearInputHook, hook);
    }

    /** The model with the weight edits overlaid (a view: tensors are shared, only edited elements differ). */
    public Model applyTo(Model model) {
        if (weightEdits.isEmpty()) return model;
        Map<Integer, Map<Linear, Map<Long, Map<Integer, Float>>>> byLayer = new LinkedHashMap<>();
        for (WeightEdit e : weightEdits) {
            if (e.layer() < 0 || e.layer() >= model.config().layers()) {
                throw new IllegalArgumentException("weight edit layer " + e.layer() + " out of range");
            }
            Tensor t = model.layers().get(e.layer()).linear(e.linear());
            if (e.row() < 0 || e.row() >= t.rows() || e.col() < 0 || e.col() >= t.cols()) {
                throw new IllegalArgumentException("weight edit (" + e.row() + ", " + e.col() + ") outside " + t);
            }
            var rows = byLayer.computeIfAbsent(e.layer(), k -> new HashMap<>()).computeIfAbsent(e.linear(), k -> new HashMap<>());
            var cols = rows.computeIfAbsent((long) e.row(), k -> new HashMap<>());
            float current = cols.containsKey(e.col()) ? cols.get(e.col()) : t.get(e.row(), e.col());
            cols.put(e.col(), e.apply(current));
        }
        List<LayerWeights> layers = new ArrayList<>(model.layers());
        byLayer.forEach((l, linears) -> {
            LayerWeights w = layers.get(l);
            for (var le : linears.entrySet()) w = w.with(le.getKey(), new EditedTensor(w.linear(le.getKey()), le.getValue()));
            layers.set(l, w);
        });
        return model.withLayers(layers);
    }
}
