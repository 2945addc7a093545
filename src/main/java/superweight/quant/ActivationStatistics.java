package superweight.quant;

import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.engine.Taps;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Calibration: the largest |x| of every input channel, and of the whole input, of every linear layer over a set of
 * token windows (SmoothQuant's act_scales, and the absmax of static activation scales). Each window runs as one
 * forward pass of whichever kind the model has ({@link ForwardPass}: decoder or encoder); only the running maxima
 * are kept, never the activations.
 */
public final class ActivationStatistics {
    private final Map<Long, float[]> channelMax;

    private ActivationStatistics(Map<Long, float[]> channelMax) {
        this.channelMax = channelMax;
    }

    /** A table of given maxima (for tests and for statistics computed elsewhere). */
    static ActivationStatistics of(Map<Long, float[]> channelMax) {
        Map<Long, float[]> copy = new HashMap<>();
        channelMax.forEach((k, v) -> copy.put(k, v.clone()));
        return new ActivationStatistics(copy);
    }

    /** Runs {@code windows} through {@code model} under {@code base} (e.g. explicit smoothing divisors). */
    public static ActivationStatistics collect(Model model, List<int[]> windows, LinearInputHook before) {
        Map<Long, float[]> max = new HashMap<>();
        LinearInputHook recorder = LinearInputHook.of("calibration", (layer, linear, x, n, cols) -> {
            if (before != null) before.apply(layer, linear, x, n, cols);
            float[] m = max.computeIfAbsent(ActivationQuantizer.slot(layer, linear), k -> new float[cols]);
            for (int i = 0; i < n; i++) for (int c = 0; c < cols; c++) m[c] = Math.max(m[c], Math.abs(x[i * cols + c]));
        });
        Interventions iv = Interventions.NONE.withLinearInputHook(recorder);
        for (int[] w : windows) ForwardPass.observe(model, w, Taps.NONE, iv);
        return new ActivationStatistics(max);
    }

    /** max |x[:, c]| of the input of {@code linear} in {@code layer}. */
    public float[] channelMax(int layer, Linear linear) {
        float[] m = channelMax.get(ActivationQuantizer.slot(layer, linear));
        if (m == null) throw new IllegalArgumentException("no calibration data for layer " + layer + " " + linear);
        return m.clone();
    }

    /** max |x| over the whole input of every linear: the absmax of static per-tensor scales. */
    public Map<Long, Float> tensorAbsmax() {
        Map<Long, Float> out = new TreeMap<>();
        channelMax.forEach((slot, m) -> {
            float a = 0;
            for (float v : m) a = Math.max(a, v);
            out.put(slot, a);
        });
        return out;
    }

    /** A digest of every calibrated maximum, for the keys of schemes derived from them. */
    public String digest() {
        return Digests.ofArrays(new TreeMap<>(channelMax));
    }
}
