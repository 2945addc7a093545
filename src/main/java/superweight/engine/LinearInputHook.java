package superweight.engine;

import superweight.model.arch.Linear;

/** Transforms, in place, the input [n][cols] of a linear layer before it is multiplied (e.g. activation fake-quant). */
@FunctionalInterface
public interface LinearInputHook {
    void apply(int layer, Linear linear, float[] x, int n, int cols);
}
