package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.Taps;

import java.util.ArrayList;
import java.util.List;

/**
 * A tap that keeps, per layer, the largest |value| of the down-projection input and output over every position it
 * sees (across calls, so KV-cached runs work too). Ties keep the first (lowest position, then lowest channel),
 * like torch.max over a flattened tensor.
 */
public final class DownProjMaxima implements Taps {
    private final float[] inValue, outValue;
    private final int[] inPos, inChan, outPos, outChan;
    private final boolean[] seenIn, seenOut;

    public DownProjMaxima(int layers) {
        inValue = new float[layers];
        outValue = new float[layers];
        inPos = new int[layers];
        inChan = new int[layers];
        outPos = new int[layers];
        outChan = new int[layers];
        seenIn = new boolean[layers];
        seenOut = new boolean[layers];
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
            r.add(new LayerMaximum(l, inValue[l], inPos[l], inChan[l], outValue[l], outPos[l], outChan[l]));
        }
        return r;
    }
}
