package superweight.engine;

import superweight.SuperweightException;
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
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    final int layers, kvDim;
    float[][] keys, values;
    int capacity;
    private int length;
    /** Scratch of the scoring path: the keys of one layer repacked for the attention tiles, reused by every call. */
    private float[] keyPanels = new float[0];

    public InferenceState(ModelConfig config, int capacity) {
        this.layers = config.layers();
        this.kvDim = config.kvDim();
        this.capacity = Math.max(1, capacity);
        checkFits(this.capacity);
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
        int c = (int) Math.min(Math.max(needed, 2L * capacity), Math.max(needed, MAX_ARRAY / kvDim));
        checkFits(c);
        for (int l = 0; l < layers; l++) {
            float[] k = new float[c * kvDim];
            for (int ch = 0; ch < kvDim; ch++) System.arraycopy(keys[l], ch * capacity, k, ch * c, capacity);
            keys[l] = k;
            values[l] = Arrays.copyOf(values[l], c * kvDim);
        }
        capacity = c;
    }

    /**
     * A context the cache cannot hold is refused with a one-line error before allocating: one layer's keys must fit
     * in a Java array, and keys and values of every layer, plus one layer's keys repacked for the attention tiles of
     * the scoring path ({@link #keyPanels}), in the heap that is still free.
     */
    private void checkFits(int positions) {
        long perLayer = (long) positions * kvDim;
        if (perLayer > MAX_ARRAY) {
            throw new SuperweightException("a context of " + positions + " positions needs " + perLayer + " cached keys per layer, more than "
                    + "a Java array holds (at most " + MAX_ARRAY / kvDim + " positions for this model)");
        }
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long bytes = (2L * layers + 1) * perLayer * Float.BYTES;
        if (bytes > free) {
            throw new SuperweightException("a context of " + positions + " positions needs " + (bytes >> 20) + " MiB of KV cache and attention scratch but the JVM has "
                    + (free >> 20) + " MiB free; give it more with SUPERWEIGHT_JAVA_OPTS=-Xmx<size> or use a shorter context");
        }
    }

    float[] keyPanels(int length) {
        if (keyPanels.length < length) keyPanels = new float[length];
        return keyPanels;
    }

    void advance(int n) {
        length += n;
    }
}
