package superweight.analysis;

import superweight.engine.DownProjOutputHook;
import superweight.engine.Interventions;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Prune SW, restore SA" (the paper's Table 1), the way the paper's code does it: with the super weights zeroed,
 * a hook on each super weight layer's down-projection computes the output the original weights would give in the
 * super weight's row (pruned output + sum of W_sw * X[i, col]), finds the position where its magnitude is largest
 * in the sequence, and writes that original value back there — only there; every other position keeps the pruned
 * output. So the restored position and value are those of each evaluated sequence.
 *
 * <p>A sequence may arrive in several KV-cached calls (a shared context, then continuations after a truncation).
 * The hook remembers, per thread, what it restored at which position; a later call restores its own maximum only
 * if it exceeds the largest original value already restored at earlier positions of the same sequence, so a
 * continuation never adds a second restored activation next to the super activation of its context. (If a
 * continuation held a larger one than its context, the paper would restore only that one; a causal cache cannot
 * undo the earlier restoration, so both stay. A call starting at position 0 is a new sequence.)
 */
public final class SuperActivationRestore implements DownProjOutputHook {
    /** One super activation row of a layer: the super weights writing into it (columns and original values). */
    private record Row(int row, int[] cols, float[] weights) {
    }

    private final Map<Integer, List<Row>> rowsByLayer = new LinkedHashMap<>();
    /** Per thread: (layer, row) -> restored (position, |value|) pairs of the current sequence. */
    private final ThreadLocal<Map<Long, List<float[]>>> restored = ThreadLocal.withInitial(HashMap::new);

    private SuperActivationRestore(Model model, List<SuperWeight> superWeights) {
        Map<Integer, Map<Integer, List<SuperWeight>>> grouped = new LinkedHashMap<>();
        for (SuperWeight s : superWeights) {
            grouped.computeIfAbsent(s.layer(), k -> new LinkedHashMap<>()).computeIfAbsent(s.row(), k -> new ArrayList<>()).add(s);
        }
        grouped.forEach((layer, rows) -> {
            List<Row> list = new ArrayList<>();
            rows.forEach((row, sws) -> {
                int[] cols = new int[sws.size()];
                float[] w = new float[sws.size()];
                for (int i = 0; i < cols.length; i++) {
                    cols[i] = sws.get(i).col();
                    w[i] = model.layers().get(layer).down().get(row, cols[i]);
                }
                list.add(new Row(row, cols, w));
            });
            rowsByLayer.put(layer, list);
        });
    }

    /** The super weights zeroed, with their super activations restored per sequence. */
    public static Interventions interventions(Model model, List<SuperWeight> superWeights) {
        return Interventions.of(Ablation.scaled(superWeights, 0f)).withDownProjOutputHook(new SuperActivationRestore(model, superWeights));
    }

    @Override
    public String key() {
        StringBuilder b = new StringBuilder("restore-sa{");
        rowsByLayer.forEach((layer, rows) -> {
            for (Row r : rows) {
                for (int j = 0; j < r.cols().length; j++) {
                    if (b.length() > 11) b.append(',');
                    b.append(layer).append(':').append(r.row()).append(':').append(r.cols()[j]).append('=').append(r.weights()[j]);
                }
            }
        });
        return b.append('}').toString();
    }

    @Override
    public void apply(int layer, int start, float[] input, float[] output, int n, int inDim, int outDim) {
        List<Row> rows = rowsByLayer.get(layer);
        if (rows == null || n == 0) return;
        for (Row r : rows) {
            int best = -1;
            double bestAbs = -1, bestValue = 0;
            for (int i = 0; i < n; i++) {
                double original = output[i * outDim + r.row()];
                for (int j = 0; j < r.cols().length; j++) original += (double) r.weights()[j] * input[i * inDim + r.cols()[j]];
                if (Math.abs(original) > bestAbs) {
                    bestAbs = Math.abs(original);
                    bestValue = original;
                    best = i;
                }
            }
            List<float[]> history = restored.get().computeIfAbsent(((long) layer << 32) | r.row(), k -> new ArrayList<>());
            history.removeIf(h -> h[0] >= start);   // positions from here on are being recomputed (new sequence or truncation)
            double earlier = -1;
            for (float[] h : history) earlier = Math.max(earlier, h[1]);
            if (bestAbs > earlier) {
                output[best * outDim + r.row()] = (float) bestValue;
                history.add(new float[]{start + best, (float) bestAbs});
            }
        }
    }
}
