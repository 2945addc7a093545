package superweight.engine;

import superweight.model.ModelConfig;

import java.util.Arrays;

/**
 * The KV cache of one sequence: keys and values for positions [0, length) of every layer. Truncating it
 * (e.g. back to a shared context before scoring the next answer choice) is free.
 */
public final class InferenceState {
    final int layers, kvDim;
    float[][] keys, values;
    private int capacity, length;

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
            keys[l] = Arrays.copyOf(keys[l], c * kvDim);
            values[l] = Arrays.copyOf(values[l], c * kvDim);
        }
        capacity = c;
    }

    void advance(int n) {
        length += n;
    }
}
