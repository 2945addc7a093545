package superweight.eval;

/** One log-likelihood request as lm-evaluation-harness builds it: the log-probability of continuation after context. */
public record Request(String context, String continuation) {
}
