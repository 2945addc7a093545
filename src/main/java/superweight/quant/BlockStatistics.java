package superweight.quant;

import superweight.model.tensor.Tensor;

import java.util.Arrays;

/**
 * Per block of one tensor: the clip threshold t (+inf without clipping) and the block's minimum and maximum after
 * clamping to [-t, t] (clamping is monotone, so they are the clamped raw extremes). Computed in one streaming pass over
 * the rows; with a percentage rule a bounded heap of the k largest |w| is all that is kept.
 */
public record BlockStatistics(BlockLayout layout, float[] threshold, float[] min, float[] max, long clipped) {

    public static BlockStatistics of(Tensor t, BlockLayout layout, ClipRule clip) {
        if (clip.kind() == ClipRule.Kind.ZSCORE_AUTO) throw new IllegalArgumentException("z:auto must be resolved to a z before quantizing");
        Pass pass = new Pass(layout, clip);
        float[] row = new float[t.cols()];
        for (long r = 0; r < t.rows(); r++) {
            t.readRow(r, row, 0);
            for (float w : row) pass.add(w);
        }
        float[] thr = pass.thresholds();
        int n = layout.blocks();
        float[] min = new float[n], max = new float[n];
        for (int i = 0; i < n; i++) {
            min[i] = clamp(pass.rawMin[i], thr[i]);
            max[i] = clamp(pass.rawMax[i], thr[i]);
        }
        return new BlockStatistics(layout, thr, min, max, countClipped(t, layout, thr));
    }

    /**
     * The streaming pass over the elements in storage order: per block the raw extremes, and what the clip rule
     * needs (the running mean and squared deviations of |w| for a z-score, the k largest |w| for a percentage).
     */
    private static final class Pass {
        private final BlockLayout layout;
        private final ClipRule clip;
        private final float[] rawMin, rawMax, thr;
        private final double[] mean, m2;
        private final boolean perBlockPercentage;
        private final TopK tensorTop;
        private TopK blockTop;
        private int b;
        private long inBlock;

        Pass(BlockLayout layout, ClipRule clip) {
            this.layout = layout;
            this.clip = clip;
            int n = layout.blocks();
            rawMin = new float[n];
            rawMax = new float[n];
            thr = new float[n];
            Arrays.fill(rawMin, Float.POSITIVE_INFINITY);
            Arrays.fill(rawMax, Float.NEGATIVE_INFINITY);
            Arrays.fill(thr, Float.POSITIVE_INFINITY);
            mean = new double[n];
            m2 = new double[n];
            perBlockPercentage = clip.kind() == ClipRule.Kind.BLOCK_PERCENTAGE && !layout.wholeFallback();
            boolean tensorPercentage = clip.kind() == ClipRule.Kind.TENSOR_PERCENTAGE
                    || clip.kind() == ClipRule.Kind.BLOCK_PERCENTAGE && layout.wholeFallback();
            tensorTop = tensorPercentage ? new TopK(Math.max((int) (layout.numel() * clip.value()), 1)) : null;
        }

        void add(float w) {
            if (inBlock == layout.length()) {
                if (blockTop != null) thr[b] = blockTop.kth();
                b++;
                inBlock = 0;
                blockTop = null;
            }
            float a = Math.abs(w);
            if (w < rawMin[b]) rawMin[b] = w;
            if (w > rawMax[b]) rawMax[b] = w;
            switch (clip.kind()) {
                case ZSCORE -> {   // Welford, in double
                    double d = a - mean[b];
                    mean[b] += d / (inBlock + 1);
                    m2[b] += d * (a - mean[b]);
                }
                case BLOCK_PERCENTAGE, TENSOR_PERCENTAGE -> {
                    if (perBlockPercentage) {
                        if (blockTop == null) blockTop = new TopK(Math.max((int) (layout.size(b) * clip.value() + 1), 1));
                        blockTop.add(a);
                    } else {
                        tensorTop.add(a);
                    }
                }
                case NONE, ZSCORE_AUTO -> {
                }
            }
            inBlock++;
        }

        /** The clip threshold of every block, once all elements are in. */
        float[] thresholds() {
            if (blockTop != null) thr[b] = blockTop.kth();
            if (tensorTop != null) Arrays.fill(thr, tensorTop.kth());
            if (clip.kind() == ClipRule.Kind.ZSCORE) {
                for (int i = 0; i < thr.length; i++) {
                    long size = layout.size(i);
                    // a one-element block has no unbiased std (torch gives NaN, which clamps nothing here): leave it unclipped
                    if (size > 1) thr[i] = (float) (mean[i] + clip.value() * Math.sqrt(m2[i] / (size - 1)));
                }
            }
            return thr;
        }
    }

    /** How many elements the clamp changes (the reference prints this as its number of outliers). */
    private static long countClipped(Tensor t, BlockLayout layout, float[] thr) {
        boolean any = false;
        for (float v : thr) any |= v != Float.POSITIVE_INFINITY;
        if (!any) return 0;
        long count = 0, e = 0;
        float[] row = new float[t.cols()];
        for (long r = 0; r < t.rows(); r++) {
            t.readRow(r, row, 0);
            for (int c = 0; c < row.length; c++, e++) if (Math.abs(row[c]) > thr[(int) (e / layout.length())]) count++;
        }
        return count;
    }

    static float clamp(float w, float t) {
        return Math.min(Math.max(w, -t), t);
    }

    /** The k largest values seen, as a min-heap: kth() is the k-th largest (duplicates counted, as torch.topk does). */
    static final class TopK {
        private final float[] heap;
        private int size;

        TopK(int k) {
            heap = new float[k];
        }

        void add(float v) {
            if (size < heap.length) {
                int i = size++;
                heap[i] = v;
                while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
                    swap(i, (i - 1) / 2);
                    i = (i - 1) / 2;
                }
            } else if (v > heap[0]) {
                heap[0] = v;
                int i = 0;
                while (true) {
                    int l = 2 * i + 1, r = l + 1, m = i;
                    if (l < size && heap[l] < heap[m]) m = l;
                    if (r < size && heap[r] < heap[m]) m = r;
                    if (m == i) break;
                    swap(i, m);
                    i = m;
                }
            }
        }

        /** The k-th largest; with fewer than k values seen, the smallest of them. */
        float kth() {
            return heap[0];
        }

        private void swap(int a, int b) {
            float x = heap[a];
            heap[a] = heap[b];
            heap[b] = x;
        }
    }
}
