package superweight.quant;

import superweight.engine.LinearInputHook;
import superweight.model.arch.Linear;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Fake quantization of linear-layer inputs (the A of W8A8), as SmoothQuant's fake quantizer computes it: symmetric
 * absmax, q_max = 2^(bits-1) - 1, scale = max(absmax, 1e-5) / q_max, x = round_half_even(x / scale) * scale in
 * float32. One scale per call (per tensor: the whole sequence being scored) or per token. Static scales take the
 * absmax from calibration instead, and saturate at +-q_max.
 *
 * <p>With super outliers, the paper's method (Section 4.1) runs per call: REPLACE each outlier by the median of
 * the values sharing its scale (torch.median: the lower middle value), quantize and dequantize, then RESTORE the
 * outlier's original value bit for bit, so it passes in full precision and no longer stretches the scale.
 *
 * <p>{@code divisors} are explicit SmoothQuant scale operations (input channel c divided by s[c] before
 * quantizing) for the layers whose norm cannot absorb them (OLMo's parameter-free LayerNorm, OLMo 2's post-norms).
 */
public final class ActivationQuantizer implements LinearInputHook {
    public enum Granularity { PER_TENSOR, PER_TOKEN }

    private final int bits;
    private final float qMax;
    private final Granularity granularity;
    private final Set<Linear> linears;
    private final Map<Long, int[]> outliers = new HashMap<>();
    private final List<SuperOutlier> outlierList;
    private final Map<Long, Float> staticAbsmax;
    private final Map<Long, float[]> divisors;
    private final String staticDigest, divisorsDigest;

    /**
     * @param staticAbsmax per (layer, linear) calibrated absmax ({@link #slot}), or null for dynamic scales
     * @param divisors     per (layer, linear) explicit smoothing divisors, or an empty map
     */
    public ActivationQuantizer(int bits, Granularity granularity, Set<Linear> linears, List<SuperOutlier> outliers,
                               Map<Long, Float> staticAbsmax, Map<Long, float[]> divisors) {
        if (bits < 2 || bits > 8) throw new IllegalArgumentException("activation bits must be 2..8, not " + bits);
        if (staticAbsmax != null && granularity == Granularity.PER_TOKEN) {
            throw new IllegalArgumentException("static scales are per tensor; per-token scales are always dynamic");
        }
        this.bits = bits;
        this.qMax = (1 << (bits - 1)) - 1;
        this.granularity = granularity;
        this.linears = linears.isEmpty() ? EnumSet.noneOf(Linear.class) : EnumSet.copyOf(linears);
        this.outlierList = List.copyOf(outliers);
        Map<Long, List<Integer>> grouped = new TreeMap<>();
        for (SuperOutlier o : outliers) grouped.computeIfAbsent(slot(o.layer(), o.linear()), k -> new ArrayList<>()).add(o.channel());
        grouped.forEach((k, v) -> this.outliers.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        this.staticAbsmax = staticAbsmax == null ? null : Map.copyOf(staticAbsmax);
        this.divisors = Map.copyOf(divisors);
        this.staticDigest = staticAbsmax == null ? "dynamic" : "static:" + Digests.ofFloats(new TreeMap<>(staticAbsmax));
        this.divisorsDigest = divisors.isEmpty() ? "none" : Digests.ofArrays(new TreeMap<>(divisors));
    }

    /** The key of one linear layer's input in the per-layer maps. */
    public static long slot(int layer, Linear linear) {
        return (long) layer * Linear.values().length + linear.ordinal();
    }

    @Override
    public String key() {
        StringBuilder sa = new StringBuilder();
        for (SuperOutlier o : outlierList) sa.append(sa.isEmpty() ? "" : ",").append(o.key());
        StringBuilder lin = new StringBuilder();
        for (Linear l : linears) lin.append(lin.isEmpty() ? "" : ",").append(l.name().toLowerCase());
        return "act-quant{bits=" + bits + ",absmax,half-even,scale=" + granularity.name().toLowerCase().replace('_', '-')
                + "," + staticDigest + ",linears=" + lin + ",sa=" + (outlierList.isEmpty() ? "none" : "replace-median-restore[" + sa + "]")
                + ",divisors=" + divisorsDigest + "}";
    }

    @Override
    public void apply(int layer, Linear linear, float[] x, int n, int cols) {
        if (!linears.contains(linear)) return;
        long slot = slot(layer, linear);
        Replaced replaced = prepare(slot, x, n, cols);
        if (granularity == Granularity.PER_TENSOR) {
            float scale = staticAbsmax != null ? Math.max(staticAbsmax.getOrDefault(slot, 0f), 1e-5f) / qMax
                    : absmaxScale(x, 0, n * cols);
            quantize(x, 0, n * cols, scale);
        } else {
            for (int i = 0; i < n; i++) quantize(x, i * cols, cols, absmaxScale(x, i * cols, cols));
        }
        replaced.restore(x);
    }

    /**
     * The steps before quantizing, as a hook of their own: explicit smoothing divisors, then the outliers replaced
     * by the median. Calibrating static scales through it keeps the super outliers out of the calibrated absmax.
     */
    public LinearInputHook preparation() {
        return LinearInputHook.of("prepare:" + key(), (layer, linear, x, n, cols) -> {
            if (linears.contains(linear)) prepare(slot(layer, linear), x, n, cols);
        });
    }

    /** Outliers taken out of an input: their flat indices and original values. */
    private record Replaced(int[] at, float[] original) {
        void restore(float[] x) {
            for (int o = 0; o < at.length; o++) x[at[o]] = original[o];
        }
    }

    /** Divides by the explicit smoothing divisors, then replaces the outliers by the median. */
    private Replaced prepare(long slot, float[] x, int n, int cols) {
        float[] div = divisors.get(slot);
        if (div != null) {
            for (int i = 0; i < n; i++) for (int c = 0; c < cols; c++) x[i * cols + c] /= div[c];
        }
        int[] channels = outliers.get(slot);
        int[] at = new int[channels == null ? 0 : channels.length];
        float[] original = new float[at.length];
        float[] median = new float[at.length];
        for (int o = 0; o < at.length; o++) {
            at[o] = tokenOf(x, n, cols, channels[o]) * cols + channels[o];
            original[o] = x[at[o]];
            int from = granularity == Granularity.PER_TENSOR ? 0 : at[o] / cols * cols;
            median[o] = lowerMedian(x, from, granularity == Granularity.PER_TENSOR ? n * cols : cols);
        }
        for (int o = 0; o < at.length; o++) x[at[o]] = median[o];
        return new Replaced(at, original);
    }

    /** max(max|x|, 1e-5) / q_max over x[from, from + len). */
    float absmaxScale(float[] x, int from, int len) {
        float max = 0;
        for (int i = from; i < from + len; i++) max = Math.max(max, Math.abs(x[i]));
        return Math.max(max, 1e-5f) / qMax;
    }

    private void quantize(float[] x, int from, int len, float scale) {
        for (int i = from; i < from + len; i++) {
            float q = (float) Math.rint(x[i] / scale);
            x[i] = Math.max(-qMax, Math.min(qMax, q)) * scale;
        }
    }

    /** The token whose |x[token, channel]| is largest (the first on ties). */
    static int tokenOf(float[] x, int n, int cols, int channel) {
        int best = 0;
        for (int i = 1; i < n; i++) if (Math.abs(x[i * cols + channel]) > Math.abs(x[best * cols + channel])) best = i;
        return best;
    }

    /** torch.median's value: the element of rank (len - 1) / 2 in ascending order. */
    static float lowerMedian(float[] x, int from, int len) {
        float[] copy = Arrays.copyOfRange(x, from, from + len);
        return Selection.select(copy, (len - 1) / 2);
    }
}
