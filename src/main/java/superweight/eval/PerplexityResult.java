package superweight.eval;

/**
 * A perplexity measurement: {@code nll} is the mean negative log-likelihood (natural log) per scored token,
 * {@code ppl = exp(nll)}, {@code tokens} the number of scored tokens, {@code windows} the number of windows of
 * {@code ctx} tokens that were run.
 */
public record PerplexityResult(String dataset, String style, double ppl, double nll, long tokens, int windows, int ctx) {
}
