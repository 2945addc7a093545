package superweight.engine;

/**
 * Rewrites, in place, a layer's down-projection output [n][outDim] (positions start..start+n-1) knowing its input
 * [n][inDim]; runs after the activation overrides, before taps see the output. Used to restore an activation the
 * unmodified weights would have produced (e.g. a super activation while its super weight is pruned).
 */
@FunctionalInterface
public interface DownProjOutputHook {
    void apply(int layer, int start, float[] input, float[] output, int n, int inDim, int outDim);
}
