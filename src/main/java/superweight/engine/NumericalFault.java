package superweight.engine;

import superweight.SuperweightException;

/** A NaN or infinity in the forward pass, reported where it was found instead of as a perplexity of NaN. */
public final class NumericalFault extends SuperweightException {
    public NumericalFault(String message) {
        super(message);
    }
}
