package superweight.quant;

import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.engine.Taps;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.EditedTensor;
import superweight.model.tensor.Parallel;
import superweight.model.tensor.RowView;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --clip z:auto}: for each candidate z of a grid, the squared error of each linear layer's output,
 * sum over calibration positions of ||(W_z - W) x||^2 with W_z the tensor quantized under z (super weights restored
 * when the scheme restores them), and the z with the smallest error per tensor (or the smallest total over all
 * tensors with {@code global}). The inputs x are the original model's, observed through an input hook during one
 * forward pass per calibration window, and consumed as they pass: errors accumulate, no activation is kept beyond
 * the layer call that produced it. Cost per call: candidates x rows x cols x (1 + positions) multiply-adds, so
 * {@code positionsPerCall} (evenly spaced positions of each window; 0 = all) is the knob that makes a 7B model
 * affordable.
 */
public final class ZSearch {
    /** Chosen z per tensor name, and every candidate's error per tensor (same order as the grid). */
    public record Result(Map<String, Double> chosen, Map<String, double[]> errors, double[] grid, boolean global, int positions) {
    }

    private ZSearch() {
    }

    /** from, from + step, ..., up to and including to (within rounding). */
    public static double[] grid(double from, double to, double step) {
        if (!(step > 0) || !(from > 0) || to < from) throw new SuperweightException("--z-grid " + from + ":" + to + ":" + step + ": expected 0 < from <= to and step > 0");
        int n = (int) Math.floor((to - from) / step + 1e-9) + 1;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = Math.round((from + i * step) * 1e9) / 1e9;
        return g;
    }

    /** The candidates of one quantized tensor, as the views the engine multiplies by, with the original part views. */
    record Target(int unit, Tensor original, Tensor[] candidates) {
    }

    public static Result run(Model model, WeightScheme scheme, List<SuperWeight> superWeights, List<int[]> windows, double[] grid,
                             boolean global, int positionsPerCall) {
        if (scheme.includeLmHead()) throw new SuperweightException("--clip z:auto searches the block linears only; quantize the head with a fixed rule (drop --include-lm-head)");
        List<WeightQuantizer.Group> groups = WeightQuantizer.groups(model, false);
        Map<String, Target> targets = targets(model, scheme, superWeights, groups, grid);
        double[][] err = new double[groups.size()][grid.length];
        int[] positions = new int[1];
        LinearInputHook hook = LinearInputHook.of("z-search", (layer, linear, x, n, cols) -> {
            Target t = targets.get(layer + ":" + linear);
            if (t == null) return;
            int[] picked = pick(n, positionsPerCall);
            double[] e = error(t, x, cols, picked);
            synchronized (err) {
                for (int c = 0; c < grid.length; c++) err[t.unit()][c] += e[c];
                if (layer == 0 && linear == Linear.Q) positions[0] += picked.length;
            }
        });
        Interventions iv = new Interventions(List.of(), List.of(), hook);
        for (int[] w : windows) ForwardPass.observe(model, w, Taps.NONE, iv);
        Map<String, double[]> errors = new LinkedHashMap<>();
        for (int u = 0; u < groups.size(); u++) errors.put(groups.get(u).name(), err[u]);
        Map<String, Double> chosen = new LinkedHashMap<>();
        if (global) {
            double[] total = new double[grid.length];
            for (double[] e : err) for (int c = 0; c < grid.length; c++) total[c] += e[c];
            double z = grid[argmin(total)];
            for (WeightQuantizer.Group g : groups) chosen.put(g.name(), z);
        } else {
            for (int u = 0; u < groups.size(); u++) chosen.put(groups.get(u).name(), grid[argmin(err[u])]);
        }
        return new Result(chosen, errors, grid.clone(), global, positions[0]);
    }

    private static Map<String, Target> targets(Model model, WeightScheme scheme, List<SuperWeight> sws, List<WeightQuantizer.Group> groups, double[] grid) {
        CodeBook book = scheme.codeBook();
        Map<String, Target> targets = new HashMap<>();
        for (int u = 0; u < groups.size(); u++) {
            WeightQuantizer.Group g = groups.get(u);
            BlockLayout layout = WeightQuantizer.layout(g.source(), scheme);
            Tensor[] whole = new Tensor[grid.length];
            for (int c = 0; c < grid.length; c++) whole[c] = new FakeQuantTensor(g.source(), BlockStatistics.of(g.source(), layout, ClipRule.zScore(grid[c])), book);
            LayerWeights w = model.layers().get(g.layer());
            long offset = 0;
            for (Linear part : g.parts()) {
                Tensor original = w.linear(part);
                Tensor[] views = new Tensor[grid.length];
                for (int c = 0; c < grid.length; c++) {
                    views[c] = g.parts().size() == 1 ? whole[c] : RowView.slice(original.name(), whole[c], offset, (int) original.rows());
                    if (part == Linear.DOWN && scheme.restores()) views[c] = restored(views[c], g.layer(), sws, scheme.restoreFactor(), original);
                }
                offset += original.rows();
                targets.put(g.layer() + ":" + part, new Target(u, original, views));
            }
        }
        return targets;
    }

    private static Tensor restored(Tensor t, int layer, List<SuperWeight> sws, float factor, Tensor original) {
        Map<Long, Map<Integer, Float>> edits = new HashMap<>();
        for (SuperWeight s : sws) {
            if (s.layer() != layer) continue;
            float v = Float.isNaN(s.value()) ? original.get(s.row(), s.col()) : s.value();
            edits.computeIfAbsent((long) s.row(), k -> new HashMap<>()).put(s.col(), v * factor);
        }
        return edits.isEmpty() ? t : new EditedTensor(t, edits);
    }

    /** Evenly spaced positions of a call of n (all of them for 0 or n <= count). */
    static int[] pick(int n, int count) {
        if (count <= 0 || count >= n) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        int[] p = new int[count];
        for (int i = 0; i < count; i++) p[i] = (int) ((long) i * n / count);
        return p;
    }

    /** Per candidate: sum over rows r and picked positions p of (dot(W_z[r] - W[r], x_p))^2, in double. */
    static double[] error(Target t, float[] x, int cols, int[] picked) {
        int k = t.candidates().length;
        double[] total = new double[k];
        Parallel.forRange((int) t.original().rows(), 8, (from, to) -> {
            double[] local = new double[k];
            float[] w = new float[cols], q = new float[cols];
            for (int r = from; r < to; r++) {
                t.original().readRow(r, w, 0);
                for (int c = 0; c < k; c++) {
                    t.candidates()[c].readRow(r, q, 0);
                    for (int i = 0; i < cols; i++) q[i] -= w[i];
                    for (int p : picked) {
                        double d = 0;
                        for (int i = 0; i < cols; i++) d += (double) q[i] * x[p * cols + i];
                        local[c] += d * d;
                    }
                }
            }
            synchronized (total) {
                for (int c = 0; c < k; c++) total[c] += local[c];
            }
        });
        return total;
    }

    /** The first index of the smallest value (ties go to the smaller z). */
    static int argmin(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] < v[best]) best = i;
        return best;
    }

    /** Tensor name -> chosen z, for reports. */
    public static List<Map<String, Object>> report(Result r) {
        List<Map<String, Object>> out = new ArrayList<>();
        r.chosen().forEach((name, z) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tensor", name);
            m.put("z", z);
            m.put("error", r.errors().get(name)[java.util.Arrays.binarySearch(r.grid(), z)]);
            out.add(m);
        });
        return out;
    }
}
