package superweight.engine;

/** Receives the logits of one position: logits[offset .. offset+vocab), valid only during the call. */
@FunctionalInterface
public interface LogitsSink {
    void accept(int position, float[] logits, int offset);
}
