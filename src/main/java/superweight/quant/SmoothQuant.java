package superweight.quant;

import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.ColumnScaledTensor;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SmoothQuant's migration of activation outliers into the weights (Xiao et al. 2023, smooth.py): for the linears
 * that share one input, per input channel c, s[c] = max|X[:, c]|^alpha / max|W[:, c]|^(1 - alpha) (both maxima
 * clamped at 1e-5, s clamped at 1e-5), the weights' columns multiplied by s and the input divided by s. The
 * division is folded into the norm that produces the input, as SmoothQuant's recipe for Llama-style families does:
 * q/k/v into the input norm, gate/up into the post-attention norm; o and down are left unsmoothed. Where no norm
 * weight can absorb it (OLMo's parameter-free LayerNorm, OLMo 2's post-norm blocks whose linears read the raw
 * residual, a post-LayerNorm encoder whose norm output is also the residual) the division stays an explicit scale
 * operation on the input, applied by the activation quantizer and reported as such.
 */
public final class SmoothQuant {
    /** The smoothed model, the explicit divisors it still needs, and what was folded where. */
    public record Result(Model model, Map<Long, float[]> divisors, List<String> notes) {
    }

    private SmoothQuant() {
    }

    public static Result smooth(Model model, ActivationStatistics stats, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("SmoothQuant alpha must be in [0, 1], not " + alpha);
        ModelConfig c = model.config();
        List<LayerWeights> layers = new ArrayList<>();
        Map<Long, float[]> divisors = new HashMap<>();
        boolean explicitAttn = false, explicitFfn = false;
        // a post-LN encoder's norm output is both the next linears' input and the residual: dividing the norm would
        // scale the residual too, so its divisions stay explicit (and its norm slots are not the linears' input norms)
        boolean foldable = !c.postNorms() && !model.isEncoder();
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = model.layers().get(l);
            List<Linear> attnGroup = List.of(Linear.Q, Linear.K, Linear.V);
            List<Linear> ffnGroup = w.gate() != null ? List.of(Linear.GATE, Linear.UP) : List.of(Linear.UP);
            float[] sAttn = factors(w, attnGroup, stats, l, alpha);
            float[] sFfn = factors(w, ffnGroup, stats, l, alpha);
            for (Linear lin : attnGroup) w = w.with(lin, new ColumnScaledTensor(w.linear(lin), sAttn));
            for (Linear lin : ffnGroup) w = w.with(lin, new ColumnScaledTensor(w.linear(lin), sFfn));
            boolean foldAttn = foldable && w.attnNorm() != null;
            boolean foldFfn = foldable && w.ffnNorm() != null;
            w = w.withPreNorms(foldAttn ? divided(w.attnNorm(), sAttn) : w.attnNorm(),
                    foldAttn ? divided(w.attnNormBias(), sAttn) : w.attnNormBias(),
                    foldFfn ? divided(w.ffnNorm(), sFfn) : w.ffnNorm(),
                    foldFfn ? divided(w.ffnNormBias(), sFfn) : w.ffnNormBias());
            if (!foldAttn) for (Linear lin : attnGroup) divisors.put(ActivationQuantizer.slot(l, lin), sAttn);
            if (!foldFfn) for (Linear lin : ffnGroup) divisors.put(ActivationQuantizer.slot(l, lin), sFfn);
            explicitAttn |= !foldAttn;
            explicitFfn |= !foldFfn;
            layers.add(w);
        }
        List<String> notes = new ArrayList<>();
        String why = model.isEncoder() ? "post-LayerNorm encoder: the norm output is also the residual" : "no norm weight to fold into";
        notes.add("q/k/v inputs: " + (explicitAttn ? "explicit scale op (" + why + ")" : "folded into the input norm"));
        notes.add("gate/up inputs: " + (explicitFfn ? "explicit scale op (" + why + ")" : "folded into the post-attention norm"));
        notes.add("o and down inputs: not smoothed");
        String key = "smoothquant{alpha=" + alpha + ",calibration=" + stats.digest() + ",groups=qkv,gate-up"
                + ",fold=" + (explicitAttn || explicitFfn ? "explicit" : "norms") + "}";
        Model smoothed = model.derived(key, model.embeddings(), layers, model.lmHead());
        return new Result(smoothed, divisors, notes);
    }

    /** s[c] for the linears sharing one input. */
    static float[] factors(LayerWeights w, List<Linear> group, ActivationStatistics stats, int layer, double alpha) {
        float[] act = stats.channelMax(layer, group.get(0));
        for (Linear lin : group.subList(1, group.size())) {
            float[] other = stats.channelMax(layer, lin);
            for (int i = 0; i < act.length; i++) act[i] = Math.max(act[i], other[i]);
        }
        float[] wmax = new float[act.length];
        for (Linear lin : group) columnMax(w.linear(lin), wmax);
        float[] s = new float[act.length];
        for (int i = 0; i < s.length; i++) {
            double a = Math.max(act[i], 1e-5), b = Math.max(wmax[i], 1e-5);
            s[i] = (float) Math.max(Math.pow(a, alpha) / Math.pow(b, 1 - alpha), 1e-5);
        }
        return s;
    }

    /** Running max over rows of |W[r, c]|, one row decoded at a time. */
    static void columnMax(Tensor t, float[] max) {
        float[] row = new float[t.cols()];
        for (long r = 0; r < t.rows(); r++) {
            t.readRow(r, row, 0);
            for (int c = 0; c < row.length; c++) max[c] = Math.max(max[c], Math.abs(row[c]));
        }
    }

    private static float[] divided(float[] v, float[] s) {
        if (v == null) return null;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] / s[i];
        return out;
    }
}
