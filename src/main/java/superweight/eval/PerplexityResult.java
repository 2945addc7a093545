package superweight.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * A perplexity measurement: {@code nll} is the mean negative log-likelihood (natural log) per scored token,
 * {@code ppl = exp(nll)}, {@code tokens} the number of scored tokens, {@code windows} the number of windows of
 * {@code ctx} tokens that were run; {@code rule} says how the text was assembled (which C4 rule, ...) and
 * {@code source} which file it came from (null for a raw token stream); {@code perWindow} has every window's NLL.
 */
public record PerplexityResult(String dataset, String style, double ppl, double nll, long tokens, int windows, int ctx,
                               String rule, Path source, List<Window> perWindow) {
    public PerplexityResult {
        perWindow = List.copyOf(perWindow);
    }

    /**
     * One window: its index, the position in the evaluated token stream of its first scored (predicted) token, the
     * number of scored tokens and their summed NLL.
     */
    public record Window(int index, long firstScoredToken, int scored, double nllSum) {
        public double meanNll() {
            return nllSum / scored;
        }
    }

    PerplexityResult describedBy(String dataset, String rule, Path source) {
        return new PerplexityResult(dataset, style, ppl, nll, tokens, windows, ctx, rule, source, perWindow);
    }
}
