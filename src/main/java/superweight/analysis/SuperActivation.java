package superweight.analysis;

/** A huge down-projection output of {@code layer} at (position, hidden channel): what a super weight produces. */
public record SuperActivation(int layer, int position, int channel, float value) {
}
