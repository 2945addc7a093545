package superweight.analysis;

import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.EditedTensor;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 4's "all other outliers removed" model (the paper code's analyze.py remove_outliers over every parameter
 * named "...weight", then the super weights restored): in each weight tensor, the embeddings, every norm weight
 * and the LM head included, the int(numel * fraction) largest |w| set to zero, super weights kept. The reference
 * zeroes the super weights before it ranks ({@code plot_max_activation_ablation}: {@code scale_SO(..., 0)}, then
 * {@code remove_outliers}, then {@code scale_SO(..., 1)}), so here too they take no place in their tensor's top
 * fraction: that tensor loses int(numel * fraction) other weights (the per-tensor default of {@code prune-non-sw}
 * ranks them in place, as its reference does, and loses one fewer). Biases are not weights there and stay. A tied LM head is the embedding matrix, pruned once. The result is a derived model
 * (edits over the mapped tensors, norm vectors copied) whose derivation names the rule, the fraction and the kept
 * super weights, so the run store never mixes it with the original.
 */
public final class AllWeightsPruning {
    /** The pruned model and how many weights were zeroed. */
    public record Result(Model model, int zeroed) {
    }

    private AllWeightsPruning() {
    }

    public static Result apply(Model model, double fraction, List<SuperWeight> superWeights) {
        int[] count = {0};
        Tensor embeddings = pruned(model.embeddings(), fraction, count);
        Tensor head = model.lmHead() == model.embeddings() ? embeddings : pruned(model.lmHead(), fraction, count);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < model.config().layers(); l++) {
            LayerWeights w = model.layers().get(l);
            List<Tensor> linears = new ArrayList<>();
            for (Linear lin : Linear.values()) {
                List<SuperWeight> kept = lin == Linear.DOWN ? superWeightsOf(superWeights, l) : List.of();
                linears.add(w.linear(lin) == null ? null : pruned(w.linear(lin), fraction, count, kept));
            }
            layers.add(new LayerWeights(norm(w.attnNorm(), fraction, count), w.attnNormBias(),
                    linears.get(0), linears.get(1), linears.get(2), linears.get(3),
                    w.qBias(), w.kBias(), w.vBias(), w.oBias(), norm(w.qNorm(), fraction, count), norm(w.kNorm(), fraction, count),
                    norm(w.postAttnNorm(), fraction, count), norm(w.ffnNorm(), fraction, count), w.ffnNormBias(),
                    linears.get(4), linears.get(5), linears.get(6), w.upBias(), w.downBias(), norm(w.postFfnNorm(), fraction, count)));
        }
        // "ranked-without" names this ranking: results stored under the earlier derivation (super weights ranked in place) stay apart
        String step = "prune-non-sw-all-weights:fraction=" + fraction + ";ranked-without=" + superWeights.stream().map(SuperWeight::coordinates).toList();
        List<String> derivation = new ArrayList<>(model.derivation());
        derivation.add(step);
        Model m = new Model(model.id(), model.config(), embeddings, layers, norm(model.finalNorm(), fraction, count),
                model.finalNormBias(), head, model.checkpoint(), derivation);
        return new Result(m, count[0]);
    }

    private static List<SuperWeight> superWeightsOf(List<SuperWeight> all, int layer) {
        return all.stream().filter(s -> s.layer() == layer).toList();
    }

    private static Tensor pruned(Tensor t, double fraction, int[] count) {
        return pruned(t, fraction, count, List.of());
    }

    /** {@code t} with its top fraction, ranked with {@code kept} at 0, zeroed except {@code kept}; the tensor itself when nothing is selected. */
    private static Tensor pruned(Tensor t, double fraction, int[] count, List<SuperWeight> kept) {
        Map<Long, Map<Integer, Float>> zeroedFirst = new HashMap<>();
        for (SuperWeight s : kept) zeroedFirst.computeIfAbsent((long) s.row(), r -> new HashMap<>()).put(s.col(), 0f);
        Tensor ranked = kept.isEmpty() ? t : new EditedTensor(t, zeroedFirst);
        Map<Long, Map<Integer, Float>> edits = new HashMap<>();
        LargestWeights.forEachTop(ranked, fraction, (row, col, v) -> {
            if (kept.stream().anyMatch(s -> s.row() == row && s.col() == col)) return;
            edits.computeIfAbsent(row, r -> new HashMap<>()).put(col, 0f);
            count[0]++;
        });
        return edits.isEmpty() ? t : new EditedTensor(t, edits);
    }

    /** A norm weight vector with its top fraction zeroed (a copy), or the same array (null stays null). */
    private static float[] norm(float[] w, double fraction, int[] count) {
        if (w == null) return null;
        float[] r = w.clone();
        int[] n = {0};
        LargestWeights.forEachTop(F32Tensor.of("norm", 1, w.length, w), fraction, (row, col, v) -> {
            r[col] = 0f;
            n[0]++;
        });
        count[0] += n[0];
        return n[0] == 0 ? w : r;
    }
}
