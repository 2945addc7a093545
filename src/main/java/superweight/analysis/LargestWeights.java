package superweight.analysis;

import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.Parallel;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The N largest-magnitude elements of the decoder's linear layers (Q, K, V, O, gate, up, down of every block;
 * embeddings, LM head and norms excluded, as the paper's code excludes them), found by streaming each tensor's
 * rows through bounded min-heaps: memory is O(N), never a copy of a tensor, so it works on 7B checkpoints.
 * Ties are broken by position (layer, linear, row, col), so the result does not depend on thread scheduling.
 */
public final class LargestWeights {
    /** One weight: where it is and its value. */
    public record Element(int layer, Linear linear, int row, int col, float value) {
    }

    private LargestWeights() {
    }

    /** The {@code n} largest |w|, largest first, skipping the coordinates in {@code excluded} (down-projection super weights). */
    public static List<Element> find(Model model, int n, List<SuperWeight> excluded) {
        if (n < 1) throw new IllegalArgumentException("n = " + n);
        Heap total = new Heap(n);
        Set<Long> skip = new java.util.HashSet<>();
        for (SuperWeight sw : excluded) skip.add(key(sw.layer(), Linear.DOWN, sw.row(), sw.col()));
        for (int l = 0; l < model.config().layers(); l++) {
            LayerWeights w = model.layers().get(l);
            for (Linear lin : Linear.values()) {
                Tensor t = w.linear(lin);
                if (t == null) continue;
                int layer = l;
                Parallel.forRange((int) t.rows(), 16, (from, to) -> {
                    Heap local = new Heap(n);
                    float[] row = new float[t.cols()];
                    for (int r = from; r < to; r++) {
                        t.readRow(r, row, 0);
                        for (int c = 0; c < row.length; c++) {
                            float a = Math.abs(row[c]);
                            if (local.full() && a < local.minMagnitude()) continue;
                            long k = key(layer, lin, r, c);
                            if (!skip.isEmpty() && skip.contains(k)) continue;
                            local.offer(a, k);
                        }
                    }
                    synchronized (total) {
                        total.addAll(local);
                    }
                });
            }
        }
        List<Element> r = new ArrayList<>();
        for (long k : total.keys()) {
            int layer = (int) (k >>> 48);
            Linear lin = Linear.values()[(int) (k >>> 44) & 0xF];
            int row = (int) (k >>> 22) & 0x3FFFFF, col = (int) k & 0x3FFFFF;
            r.add(new Element(layer, lin, row, col, model.layers().get(layer).linear(lin).get(row, col)));
        }
        r.sort(Comparator.comparingDouble((Element e) -> -Math.abs(e.value()))
                .thenComparingLong(e -> key(e.layer(), e.linear(), e.row(), e.col())));
        return r;
    }

    /**
     * The paper code's own "prune non-SW" rule (its {@code search_percentage_F_A-B_all} outlier method followed by
     * restoring the super weights): in every decoder linear tensor of layers firstLayer..lastLayer separately, the
     * int(elements * fraction) largest |w| (all elements with |w| >= that k-th magnitude, ties included, as its mask
     * does), minus the super weights. Tensors where the count is below one are left alone.
     */
    public static List<Element> perTensor(Model model, double fraction, List<SuperWeight> excluded, int firstLayer, int lastLayer) {
        List<Element> r = new ArrayList<>();
        for (int l = firstLayer; l <= Math.min(lastLayer, model.config().layers() - 1); l++) {
            LayerWeights w = model.layers().get(l);
            for (Linear lin : Linear.values()) {
                Tensor t = w.linear(lin);
                if (t == null) continue;
                int layer = l;
                forEachTop(t, fraction, (row, col, v) -> {
                    boolean isSuper = lin == Linear.DOWN && excluded.stream().anyMatch(s -> s.layer() == layer && s.row() == row && s.col() == col);
                    if (!isSuper) r.add(new Element(layer, lin, (int) row, col, v));
                });
            }
        }
        return r;
    }

    /** Receives one selected element. */
    interface ElementSink {
        void accept(long row, int col, float value);
    }

    /**
     * Every element of {@code t} with |w| at least the k-th largest magnitude, k = int(elements * fraction) (torch's
     * topk(...).values[-1] threshold and mask |w| >= threshold); nothing when k < 1.
     */
    static void forEachTop(Tensor t, double fraction, ElementSink sink) {
        long k = (long) Math.floor(t.elements() * fraction);
        if (k < 1) return;
        if (k > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("fraction " + fraction + " selects too many weights");
        Heap top = new Heap((int) k);
        float[] row = new float[t.cols()];
        for (long rr = 0; rr < t.rows(); rr++) {
            t.readRow(rr, row, 0);
            for (int c = 0; c < row.length; c++) {
                float a = Math.abs(row[c]);
                if (!top.full() || a >= top.minMagnitude()) top.offer(a, rr * row.length + c);
            }
        }
        float threshold = top.minMagnitude();
        for (long rr = 0; rr < t.rows(); rr++) {
            t.readRow(rr, row, 0);
            for (int c = 0; c < row.length; c++) if (Math.abs(row[c]) >= threshold) sink.accept(rr, c, row[c]);
        }
    }

    public static List<WeightEdit> zeroEdits(List<Element> elements) {
        return elements.stream().map(e -> WeightEdit.zero(e.layer(), e.linear(), e.row(), e.col())).toList();
    }

    /** (layer 16 bits, linear 4, row 22, col 22): ordered like the tie-break. */
    static long key(int layer, Linear lin, int row, int col) {
        return ((long) layer << 48) | ((long) lin.ordinal() << 44) | ((long) row << 22) | col;
    }

    /** A bounded min-heap on (|w|, then larger key = smaller), keeping the n best. */
    static final class Heap {
        private final float[] mag;
        private final long[] keys;
        private int size;

        Heap(int capacity) {
            mag = new float[capacity];
            keys = new long[capacity];
        }

        boolean full() {
            return size == mag.length;
        }

        float minMagnitude() {
            return mag[0];
        }

        /** a is "worse" than b: smaller magnitude, or equal magnitude and a later position. */
        private boolean worse(float ma, long ka, float mb, long kb) {
            return ma < mb || (ma == mb && ka > kb);
        }

        void offer(float m, long k) {
            if (size < mag.length) {
                int i = size++;
                mag[i] = m;
                keys[i] = k;
                while (i > 0) {
                    int p = (i - 1) / 2;
                    if (!worse(mag[i], keys[i], mag[p], keys[p])) break;
                    swap(i, p);
                    i = p;
                }
                return;
            }
            if (!worse(mag[0], keys[0], m, k)) return;
            mag[0] = m;
            keys[0] = k;
            int i = 0;
            while (true) {
                int a = 2 * i + 1, b = a + 1, w = i;
                if (a < size && worse(mag[a], keys[a], mag[w], keys[w])) w = a;
                if (b < size && worse(mag[b], keys[b], mag[w], keys[w])) w = b;
                if (w == i) return;
                swap(i, w);
                i = w;
            }
        }

        void addAll(Heap o) {
            for (int i = 0; i < o.size; i++) offer(o.mag[i], o.keys[i]);
        }

        long[] keys() {
            return java.util.Arrays.copyOf(keys, size);
        }

        private void swap(int i, int j) {
            float m = mag[i];
            mag[i] = mag[j];
            mag[j] = m;
            long k = keys[i];
            keys[i] = keys[j];
            keys[j] = k;
        }
    }
}
