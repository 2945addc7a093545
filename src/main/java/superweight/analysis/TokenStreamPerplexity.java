package superweight.analysis;

import superweight.SuperweightException;
import superweight.engine.Transformer;
import superweight.model.Model;

/**
 * Perplexity of a token stream cut into consecutive non-overlapping windows (the GPTQ-style protocol): each window
 * is one causal pass, every token after a window's first is scored given the tokens before it in that window.
 * Used by the ablation commands when only token ids are at hand (the eval package scores text data sets).
 */
public final class TokenStreamPerplexity {
    public record Result(double perplexity, double meanNll, long scoredTokens, int windows) {
    }

    private TokenStreamPerplexity() {
    }

    public static Result evaluate(Model model, int[] stream, int window, int maxWindows, superweight.engine.Interventions iv) {
        if (window < 2) throw new SuperweightException("perplexity window " + window + ": must be at least 2 tokens");
        int windows = stream.length / window;
        if (maxWindows > 0) windows = Math.min(windows, maxWindows);
        if (windows == 0) {
            throw new SuperweightException("perplexity: " + stream.length + " tokens are fewer than one window of " + window);
        }
        Transformer t = new Transformer(model);
        int vocab = model.config().vocabSize();
        double nll = 0;
        long scored = 0;
        for (int w = 0; w < windows; w++) {
            int[] tokens = java.util.Arrays.copyOfRange(stream, w * window, (w + 1) * window);
            float[] logits = t.logits(tokens, superweight.engine.Taps.NONE, iv);
            for (int i = 0; i + 1 < tokens.length; i++) {
                nll -= LogProbs.logSoftmaxAt(logits, i * vocab, vocab, tokens[i + 1]);
                scored++;
            }
        }
        double mean = nll / scored;
        return new Result(Math.exp(mean), mean, scored, windows);
    }
}
