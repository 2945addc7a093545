package superweight.engine;

import superweight.model.arch.Linear;

/**
 * Transforms, in place, the input [n][cols] of a linear layer before it is multiplied (e.g. activation fake-quant).
 * {@link #key()} names the transform with every parameter that changes its effect: the run store keeps results
 * apart by it, so two hooks that compute differently must never return the same key.
 */
public interface LinearInputHook {
    void apply(int layer, Linear linear, float[] x, int n, int cols);

    /** A canonical description, e.g. {@code act-quant{bits=8,scale=per-tensor,sa=replace-restore}}. */
    String key();

    /** A hook from a lambda and its canonical key. */
    static LinearInputHook of(String key, Transform transform) {
        return new LinearInputHook() {
            @Override
            public void apply(int layer, Linear linear, float[] x, int n, int cols) {
                transform.apply(layer, linear, x, n, cols);
            }

            @Override
            public String key() {
                return key;
            }
        };
    }

    @FunctionalInterface
    interface Transform {
        void apply(int layer, Linear linear, float[] x, int n, int cols);
    }
}
