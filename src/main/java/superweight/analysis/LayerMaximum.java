package superweight.analysis;

/**
 * The largest-magnitude element of one layer's down-projection input [positions][intermediate] and output
 * [positions][hidden], each as its signed value and (position, channel). This is what the paper plots per layer
 * (its Figure 3) and what detection reads. {@code medianAbsIn}/{@code medianAbsOut} are the median |value| of the
 * same tensors (the scale the relative rule compares a spike with); NaN when the tap did not keep them.
 */
public record LayerMaximum(int layer,
                           float maxIn, int maxInPosition, int maxInChannel,
                           float maxOut, int maxOutPosition, int maxOutChannel,
                           double medianAbsIn, double medianAbsOut) {
    public LayerMaximum(int layer, float maxIn, int maxInPosition, int maxInChannel, float maxOut, int maxOutPosition, int maxOutChannel) {
        this(layer, maxIn, maxInPosition, maxInChannel, maxOut, maxOutPosition, maxOutChannel, Double.NaN, Double.NaN);
    }

    /** max |input| / median |input| (NaN without medians; infinite when the median is 0 and the maximum is not). */
    public double inputRatio() {
        return ratio(maxIn, medianAbsIn);
    }

    /** max |output| / median |output|. */
    public double outputRatio() {
        return ratio(maxOut, medianAbsOut);
    }

    private static double ratio(float max, double median) {
        double m = Math.abs(max);
        if (Double.isNaN(median)) return Double.NaN;
        if (median == 0) return m == 0 ? 0 : Double.POSITIVE_INFINITY;
        return m / median;
    }
}
