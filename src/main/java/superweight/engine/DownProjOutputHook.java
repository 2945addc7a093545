package superweight.engine;

/**
 * Rewrites, in place, a layer's down-projection output [n][outDim] (positions start..start+n-1) knowing its input
 * [n][inDim]; runs after the activation overrides, before taps see the output. Used to restore an activation the
 * unmodified weights would have produced (e.g. a super activation while its super weight is pruned).
 * {@link #key()} names it canonically, with its parameters, for the run store.
 */
public interface DownProjOutputHook {
    void apply(int layer, int start, float[] input, float[] output, int n, int inDim, int outDim);

    /** A canonical description, e.g. {@code restore-sa{2:3968:7003=-0.0435}}. */
    String key();

    /** A hook from a lambda and its canonical key. */
    static DownProjOutputHook of(String key, Transform transform) {
        return new DownProjOutputHook() {
            @Override
            public void apply(int layer, int start, float[] input, float[] output, int n, int inDim, int outDim) {
                transform.apply(layer, start, input, output, n, inDim, outDim);
            }

            @Override
            public String key() {
                return key;
            }
        };
    }

    @FunctionalInterface
    interface Transform {
        void apply(int layer, int start, float[] input, float[] output, int n, int inDim, int outDim);
    }
}
