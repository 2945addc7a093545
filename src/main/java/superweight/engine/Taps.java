package superweight.engine;

/**
 * Observers of what flows through the network. Each call sees n positions starting at absolute position
 * {@code start}, row-major [n][dim]; the arrays are the engine's own and must not be kept or modified.
 */
public interface Taps {
    Taps NONE = new Taps() {
    };

    /** The MLP down-projection input: act(gate) * up (act(up) for ungated MLPs), [n][intermediate]. */
    default void downProjInput(int layer, int start, float[] x, int n, int dim) {
    }

    /** The down-projection output (with its bias, after activation overrides, before post-norm and residual), [n][hidden]. */
    default void downProjOutput(int layer, int start, float[] y, int n, int dim) {
    }

    /** The residual stream after the whole block, [n][hidden] (encoders: the block's output LayerNorm input). */
    default void residual(int layer, int start, float[] h, int n, int dim) {
    }
}
