package superweight.quant;

import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.BlockCodesTensor;
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
 * Applies a {@link WeightScheme} to a model the way the paper's code does (minmax / clip quantization, then
 * restore_GO): every q, k, v, o, gate, up, down weight of every block (and the head if asked) is cut into blocks of
 * its canonical [out, in] flattening, clipped, rounded; then each super weight is written back at its original value
 * times the factor, while the rest of its block keeps the clipped range. Fused projections (Phi-3 qkv, gate_up) are
 * one tensor, their parts concatenated in canonical order. The result is a derived model: 4- and 8-bit code books as
 * packed {@link BlockCodesTensor}s, others as {@link FakeQuantTensor}s reading the original rows.
 */
public final class WeightQuantizer {
    private WeightQuantizer() {
    }

    /** One quantized tensor, for reports. */
    public record Unit(String name, long rows, int cols, long blockLength, int blocks, boolean wholeFallback, long clipped,
                       String dtype, long bytes) {
        public long elements() {
            return rows * cols;
        }
    }

    /** The derived model, its canonical key, what was quantized and which super weights were restored. */
    public record Result(Model model, String key, List<Unit> units, List<SuperWeight> restored) {
        /** Memory the quantized tensors add: packed codes and per-block statistics (fake-quant tensors: statistics only, they read the checkpoint's weights). */
        public long quantizedBytes() {
            return units.stream().mapToLong(Unit::bytes).sum();
        }

        /** The same tensors in BF16. */
        public long bf16Bytes() {
            return units.stream().mapToLong(u -> 2 * u.elements()).sum();
        }

        /** How many tensors the whole-tensor rule quantized as one block although a block size was given. */
        public long wholeFallbacks() {
            return units.stream().filter(Unit::wholeFallback).count();
        }
    }

    /** One tensor as the reference quantizes it: a layer's (fused) projection in canonical row order, or the head (layer -1). */
    record Group(int layer, List<Linear> parts, Tensor source) {
        String name() {
            if (layer < 0) return "lm_head";
            return "layers." + layer + "." + String.join("+", parts.stream().map(p -> p.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }
    }

    /** The tensors a scheme quantizes, in order. */
    static List<Group> groups(Model model, boolean includeLmHead) {
        List<Group> groups = new ArrayList<>();
        for (int l = 0; l < model.layers().size(); l++) groups.addAll(groups(l, model.layers().get(l)));
        if (includeLmHead) groups.add(new Group(-1, List.of(), model.lmHead()));
        return groups;
    }

    public static Result apply(Model model, WeightScheme scheme, List<SuperWeight> superWeights) {
        return apply(model, scheme, superWeights, Map.of());
    }

    /**
     * As {@link #apply(Model, WeightScheme, List)} with a z-score chosen per tensor (by {@link ZSearch}, keyed by
     * tensor name) for a {@code z:auto} scheme; the chosen values are part of the derivation key.
     */
    public static Result apply(Model model, WeightScheme scheme, List<SuperWeight> superWeights, Map<String, Double> chosenZ) {
        List<Group> groups = groups(model, scheme.includeLmHead());
        Tensor[] quantized = new Tensor[groups.size()];
        Unit[] units = new Unit[groups.size()];
        Parallel.forRange(groups.size(), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                Group g = groups.get(i);
                ClipRule clip = scheme.clip();
                if (clip.kind() == ClipRule.Kind.ZSCORE_AUTO) {
                    Double z = chosenZ.get(g.name());
                    if (z == null) throw new SuperweightException("--clip z:auto: no z chosen for " + g.name());
                    clip = ClipRule.zScore(z);
                }
                BlockStatistics stats = BlockStatistics.of(g.source(), layout(g.source(), scheme), clip);
                quantized[i] = quantize(g.source(), stats, scheme.codeBook());
                units[i] = unit(g.name(), g.source(), quantized[i], stats);
            }
        });
        List<LayerWeights> layers = new ArrayList<>(model.layers());
        Tensor head = model.lmHead();
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            if (g.layer() < 0) {
                head = quantized[i];
                continue;
            }
            LayerWeights w = layers.get(g.layer());
            long offset = 0;
            for (Linear part : g.parts()) {
                int rows = (int) w.linear(part).rows();
                Tensor t = g.parts().size() == 1 ? quantized[i] : RowView.slice(w.linear(part).name(), quantized[i], offset, rows);
                offset += rows;
                w = w.with(part, t);
            }
            layers.set(g.layer(), w);
        }
        List<SuperWeight> restored = scheme.restores() ? restore(model, layers, superWeights, scheme.restoreFactor()) : List.of();
        String key = scheme.key(restored);
        if (scheme.clip().kind() == ClipRule.Kind.ZSCORE_AUTO) {
            key += "+z{" + String.join(";", groups.stream().map(g -> g.name() + "=" + chosenZ.get(g.name())).toList()) + "}";
        }
        return new Result(model.derived(key, model.embeddings(), layers, head), key, List.of(units), restored);
    }

    /** The layer's linear weights as the tensors the reference quantizes: parts of one fused tensor together. */
    private static List<Group> groups(int layer, LayerWeights w) {
        Map<Tensor, List<Linear>> byRoot = new LinkedHashMap<>();
        for (Linear l : Linear.values()) {
            Tensor t = w.linear(l);
            if (t != null) byRoot.computeIfAbsent(t instanceof RowView v ? v.base() : t, k -> new ArrayList<>()).add(l);
        }
        List<Group> r = new ArrayList<>();
        byRoot.forEach((root, parts) -> {
            if (parts.size() == 1) {
                r.add(new Group(layer, parts, w.linear(parts.getFirst())));
                return;
            }
            long total = 0;
            for (Linear p : parts) total += w.linear(p).rows();
            long[] rows = new long[(int) total];
            int i = 0;
            for (Linear p : parts) {
                RowView v = (RowView) w.linear(p);
                for (long k = 0; k < v.rows(); k++) rows[i++] = v.sourceRow(k);
            }
            r.add(new Group(layer, parts, RowView.gather(root.name(), root, rows)));
        });
        return r;
    }

    static BlockLayout layout(Tensor t, WeightScheme scheme) {
        return BlockLayout.of(t.rows(), t.cols(), scheme.block(), scheme.ragged());
    }

    static BlockStatistics statistics(Tensor t, WeightScheme scheme) {
        return BlockStatistics.of(t, layout(t, scheme), scheme.clip());
    }

    /** One tensor under the scheme: packed codes (4/8 bits) or a fake-quant view, from its block statistics. */
    static Tensor quantize(Tensor t, BlockStatistics stats, CodeBook book) {
        BlockLayout layout = stats.layout();
        if (book.bits() != 4 && book.bits() != 8) return new FakeQuantTensor(t, stats, book);
        long bytes = BlockCodesTensor.codeBytes(t.elements(), book.bits());
        if (bytes > Integer.MAX_VALUE - 16) throw new SuperweightException(t.name() + ": too large to pack (" + t.elements() + " elements)");
        byte[] codes = new byte[(int) bytes];
        int n = layout.blocks();
        float[] scale = new float[n];
        for (int b = 0; b < n; b++) scale[b] = book.scale(stats.min()[b], stats.max()[b]);
        float[] row = new float[t.cols()];
        long e = 0, len = layout.length();
        for (long r = 0; r < t.rows(); r++) {
            t.readRow(r, row, 0);
            for (int c = 0; c < row.length; c++, e++) {
                int b = (int) (e / len);
                float v = BlockStatistics.clamp(row[c], stats.threshold()[b]);
                BlockCodesTensor.put(codes, book.bits(), e, book.encode(v, stats.min()[b], scale[b]));
            }
        }
        return new BlockCodesTensor(t.name(), t.rows(), t.cols(), book.bits(), len, book.decodeTable(), scale, stats.min().clone(), codes);
    }

    private static Unit unit(String name, Tensor source, Tensor q, BlockStatistics stats) {
        BlockLayout layout = stats.layout();
        long bytes = q instanceof BlockCodesTensor p ? p.bytes() : ((FakeQuantTensor) q).bytes();
        return new Unit(name, source.rows(), source.cols(), layout.length(), layout.blocks(), layout.wholeFallback(), stats.clipped(),
                q.dtype(), bytes);
    }

    /** Writes each super weight back (original value x factor) over the quantized down-projections. */
    static List<SuperWeight> restore(Model original, List<LayerWeights> layers, List<SuperWeight> sws, float factor) {
        Map<Integer, Map<Long, Map<Integer, Float>>> edits = new LinkedHashMap<>();
        List<SuperWeight> restored = new ArrayList<>();
        for (SuperWeight s : sws) {
            Tensor down = original.layers().get(s.layer()).down();
            float value = Float.isNaN(s.value()) ? down.get(s.row(), s.col()) : s.value();
            edits.computeIfAbsent(s.layer(), k -> new HashMap<>()).computeIfAbsent((long) s.row(), k -> new HashMap<>()).put(s.col(), value * factor);
            restored.add(new SuperWeight(s.layer(), s.row(), s.col(), value));
        }
        edits.forEach((l, e) -> layers.set(l, layers.get(l).with(Linear.DOWN, new EditedTensor(layers.get(l).down(), e))));
        return restored;
    }
}
