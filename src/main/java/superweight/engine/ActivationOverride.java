package superweight.engine;

/** Overwrite the down-projection output of {@code layer} at (absolute position, hidden channel) with {@code value}. */
public record ActivationOverride(int layer, int position, int channel, float value) {
}
