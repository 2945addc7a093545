package superweight.analysis;

/**
 * The largest-magnitude element of one layer's down-projection input [positions][intermediate] and output
 * [positions][hidden], each as its signed value and (position, channel). This is what the paper plots per layer
 * (its Figure 3) and what detection reads.
 */
public record LayerMaximum(int layer,
                           float maxIn, int maxInPosition, int maxInChannel,
                           float maxOut, int maxOutPosition, int maxOutChannel) {
}
