package superweight.engine;

import superweight.model.arch.ModelConfig;

import java.util.Arrays;

/**
 * The KV cache of one sequence: keys and values for positions [0, length) of every layer. Truncating it
 * (e.g. back to a shared context before scoring the next answer choice) is free.
 *
 * <p>Keys are stored channel-major (keys[l][channel * capacity + position]) so that a query's scores against
 * consecutive positions are vector operations; values are position-major (values[l][position * kvDim + channel]).
 */
public final class InferenceState {
    final int layers, kvDim;
    float[][] keys, values;
    int capacity;
    private int length;

    public InferenceState(ModelConfig config, int capacity) {
        this.layers = config.layers();
        this.kvDim = config.kvDim();
        this.capacity = Math.max(1, capacity);
        this.keys = new float[layers][this.capacity * kvDim];
        this.values = new float[layers][this.capacity * kvDim];
    }

    public int length() {
        return length;
    }

    /** Forgets positions at and after {@code newLength}. */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        length = newLength;
    }

    void ensureCapacity(int needed) {
        if (needed <= capacity) return;
        int c = Math.max(needed, capacity * 2);
        for (int l = 0; l < layers; l++) {
            float[] k = new float[c * kvDim];
            for (int ch = 0; ch < kvDim; ch++) System.arraycopy(keys[l], ch * capacity, k, ch * c, capacity);
            keys[l] = k;
            values[l] = Arrays.copyOf(values[l], c * kvDim);
        }
        capacity = c;
    }

    void advance(int n) {
        length += n;
    }
}
