package superweight.quant;

import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.Int8RowTensor;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The W8A8 schemes of the paper's Tables 3 and 4, as one recipe: weights int8 per output channel (absmax), the
 * inputs of every block linear fake-quantized to int8 per tensor (or per token), optionally with the super
 * outliers replaced by the median and restored (the paper's method), optionally after SmoothQuant.
 */
public final class W8A8 {
    /** Everything that defines a scheme; {@code smoothAlpha} null = no SmoothQuant. */
    public record Options(int activationBits, ActivationQuantizer.Granularity granularity, boolean staticScales,
                          boolean replaceRestore, SuperOutlier.Scope scope, Double smoothAlpha, Set<Linear> linears) {
        public Options {
            linears = linears.isEmpty() ? EnumSet.noneOf(Linear.class) : EnumSet.copyOf(linears);
        }

        public static Options naive() {
            return new Options(8, ActivationQuantizer.Granularity.PER_TENSOR, false, false, SuperOutlier.Scope.ALL, null,
                    EnumSet.allOf(Linear.class));
        }

        public Options withReplaceRestore(SuperOutlier.Scope s) {
            return new Options(activationBits, granularity, staticScales, true, s, smoothAlpha, linears);
        }

        public Options withSmoothQuant(double alpha) {
            return new Options(activationBits, granularity, staticScales, replaceRestore, scope, alpha, linears);
        }

        public Options withGranularity(ActivationQuantizer.Granularity g) {
            return new Options(activationBits, g, staticScales, replaceRestore, scope, smoothAlpha, linears);
        }

        public Options withStaticScales() {
            return new Options(activationBits, granularity, true, replaceRestore, scope, smoothAlpha, linears);
        }

        /** Whether the scheme needs calibration windows. */
        public boolean calibrated() {
            return staticScales || smoothAlpha != null;
        }
    }

    /** A model with int8 weights and the activation hook to evaluate it with. */
    public record Prepared(Model model, Interventions interventions, List<String> notes) {
    }

    private W8A8() {
    }

    /**
     * Prepares {@code model} under {@code o}. {@code superWeights} give the outliers to replace and restore;
     * {@code calibration} token windows are needed when {@link Options#calibrated()}.
     */
    public static Prepared prepare(Model model, Options o, List<SuperWeight> superWeights, List<int[]> calibration) {
        if (o.calibrated() && (calibration == null || calibration.isEmpty())) {
            throw new IllegalArgumentException("static scales and SmoothQuant need calibration windows");
        }
        List<String> notes = new ArrayList<>();
        SmoothQuant.Result smoothed = smoothed(model, o, calibration, notes);
        Model quantized = int8Weights(smoothed.model(), o.linears());
        ActivationQuantizer hook = activationHook(model, quantized, o, superWeights, calibration, smoothed.divisors(), notes);
        return new Prepared(quantized, Interventions.NONE.withLinearInputHook(hook), notes);
    }

    /** SmoothQuant's migration when the options ask for it (its notes added), else the model unchanged. */
    public static SmoothQuant.Result smoothed(Model model, Options o, List<int[]> calibration, List<String> notes) {
        if (o.smoothAlpha() == null) return new SmoothQuant.Result(model, Map.of(), List.of());
        SmoothQuant.Result r = SmoothQuant.smooth(model, ActivationStatistics.collect(model, calibration, null), o.smoothAlpha());
        notes.addAll(r.notes());
        return r;
    }

    /**
     * The activation side alone, for inputs of {@code quantized} (weights already quantized by any scheme, after
     * SmoothQuant if {@code divisors} come from it): outliers from {@code superWeights} when the options replace and
     * restore, static scales calibrated on {@code quantized} with the outliers already replaced.
     */
    public static ActivationQuantizer activationHook(Model original, Model quantized, Options o, List<SuperWeight> superWeights,
                                                     List<int[]> calibration, Map<Long, float[]> divisors, List<String> notes) {
        List<SuperOutlier> outliers = o.replaceRestore() ? SuperOutlier.of(superWeights, original.config(), o.scope()) : List.of();
        if (o.replaceRestore() && superWeights.isEmpty()) notes.add("no super weights given: nothing to replace and restore");
        ActivationQuantizer hook = new ActivationQuantizer(o.activationBits(), o.granularity(), o.linears(), outliers, null, divisors);
        if (o.staticScales()) {
            Map<Long, Float> absmax = ActivationStatistics.collect(quantized, calibration, hook.preparation()).tensorAbsmax();
            hook = new ActivationQuantizer(o.activationBits(), o.granularity(), o.linears(), outliers, absmax, divisors);
            notes.add("static activation scales from " + calibration.size() + " calibration windows");
        }
        return hook;
    }

    /** Every selected block linear as {@link Int8RowTensor} (per-output-channel absmax). */
    public static Model int8Weights(Model model, Set<Linear> linears) {
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights w : model.layers()) {
            for (Linear l : linears) if (w.linear(l) != null) w = w.with(l, Int8RowTensor.quantize(w.linear(l)));
            layers.add(w);
        }
        StringBuilder names = new StringBuilder();
        for (Linear l : linears) names.append(names.isEmpty() ? "" : ",").append(l.name().toLowerCase());
        return model.derived("weights-int8{per-channel-absmax,half-even,linears=" + names + "}", model.embeddings(), layers, model.lmHead());
    }
}
