package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.Taps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tap that keeps, per layer, the largest |value| of the down-projection input and output over every position it
 * sees (across calls, so KV-cached runs work too). Ties keep the first (lowest position, then lowest channel),
 * like torch.max over a flattened tensor. {@link #withMedians} also keeps every |value| to report each tensor's
 * median |value| (the relative rule's scale); that costs a copy of the tensors, so only detection asks for it.
 */
public final class DownProjMaxima implements Taps {
    private final float[] inValue, outValue;
    private final int[] inPos, inChan, outPos, outChan;
    private final boolean[] seenIn, seenOut;
    private final FloatList[] absIn, absOut;

    public DownProjMaxima(int layers) {
        this(layers, false);
    }

    /** A tap that also keeps the median |value| of every layer's down-projection input and output. */
    public static DownProjMaxima withMedians(int layers) {
        return new DownProjMaxima(layers, true);
    }

    private DownProjMaxima(int layers, boolean medians) {
        inValue = new float[layers];
        outValue = new float[layers];
        inPos = new int[layers];
        inChan = new int[layers];
        outPos = new int[layers];
        outChan = new int[layers];
        seenIn = new boolean[layers];
        seenOut = new boolean[layers];
        absIn = medians ? new FloatList[layers] : null;
        absOut = medians ? new FloatList[layers] : null;
        for (int l = 0; medians && l < layers; l++) {
            absIn[l] = new FloatList();
            absOut[l] = new FloatList();
        }
    }

    @Override
    public void downProjInput(int layer, int start, float[] x, int n, int dim) {
        int best = argMaxAbs(x, n * dim);
        if (best >= 0 && (!seenIn[layer] || Math.abs(x[best]) > Math.abs(inValue[layer]))) {
            inValue[layer] = x[best];
            inPos[layer] = start + best / dim;
            inChan[layer] = best % dim;
        }
        seenIn[layer] |= n > 0;
        if (absIn != null) absIn[layer].addAbs(x, n * dim);
    }

    @Override
    public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
        int best = argMaxAbs(y, n * dim);
        if (best >= 0 && (!seenOut[layer] || Math.abs(y[best]) > Math.abs(outValue[layer]))) {
            outValue[layer] = y[best];
            outPos[layer] = start + best / dim;
            outChan[layer] = best % dim;
        }
        seenOut[layer] |= n > 0;
        if (absOut != null) absOut[layer].addAbs(y, n * dim);
    }

    /** Index of the first element with the largest |value| (NaN counts as largest, so it is never hidden); -1 if empty. */
    static int argMaxAbs(float[] a, int len) {
        int best = -1;
        float max = -1f;
        for (int i = 0; i < len; i++) {
            float v = Math.abs(a[i]);
            if (v > max || (Float.isNaN(v) && !Float.isNaN(max))) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    /** The per-layer maxima; a one-line error if some layer produced no down-projection data (no MLP tap). */
    public List<LayerMaximum> layers(String modelName) {
        List<LayerMaximum> r = new ArrayList<>();
        for (int l = 0; l < inValue.length; l++) {
            if (!seenIn[l] || !seenOut[l]) {
                throw new SuperweightException(modelName + ": layer " + l + " reported no MLP down-projection "
                        + (seenIn[l] ? "output" : "input") + " (the model has no MLP tap data to detect super weights from)");
            }
            double medIn = absIn == null ? Double.NaN : absIn[l].median(), medOut = absOut == null ? Double.NaN : absOut[l].median();
            r.add(new LayerMaximum(l, inValue[l], inPos[l], inChan[l], outValue[l], outPos[l], outChan[l], medIn, medOut));
        }
        return r;
    }

    /** The lower middle element of the sorted values, as torch.median (NaN sorts last, so it never becomes the median of finite data). */
    static double median(float[] values, int n) {
        float[] a = Arrays.copyOf(values, n);
        Arrays.sort(a);
        return a[(n - 1) / 2];
    }

    /** A growable list of |value|s. */
    private static final class FloatList {
        private float[] a = new float[1024];
        private int size;

        void addAbs(float[] v, int n) {
            if (size + n > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, size + n));
            for (int i = 0; i < n; i++) a[size + i] = Math.abs(v[i]);
            size += n;
        }

        double median() {
            return size == 0 ? Double.NaN : DownProjMaxima.median(a, size);
        }
    }
}
