package superweight.eval;

/**
 * One log-likelihood request as lm-evaluation-harness builds it: the log-probability of continuation after
 * context; a {@code rolling} request (lm-eval's {@code loglikelihood_rolling}, empty context) scores the whole
 * continuation in rolling windows.
 */
public record Request(String context, String continuation, boolean rolling) {
    public Request(String context, String continuation) {
        this(context, continuation, false);
    }

    static Request rolling(String text) {
        return new Request("", text, true);
    }
}
