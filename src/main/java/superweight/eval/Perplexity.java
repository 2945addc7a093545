package superweight.eval;

import superweight.engine.LogProbs;

import superweight.SuperweightException;
import superweight.engine.InferenceState;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Perplexity of a token stream cut into non-overlapping windows of {@code ctx} tokens (a shorter tail is dropped).
 *
 * <ul>
 *   <li>{@link Style#GPTQ} (GPTQ / AWQ / SmoothQuant evaluation scripts): each window is run on its own and every
 *   position but the last predicts the next token, so a window scores ctx - 1 tokens; the first token of a window
 *   is never scored. The mean over all scored tokens equals GPTQ's mean of per-window mean losses because all
 *   windows have the same length.</li>
 *   <li>{@link Style#LLAMACPP} (llama.cpp {@code llama-perplexity}): the first token of each window is replaced by
 *   BOS (when the model uses one), and only the second half is scored: positions ctx/2 .. ctx-2 predict the next
 *   token, ctx - 1 - ctx/2 tokens per window.</li>
 * </ul>
 */
public final class Perplexity {
    public enum Style { GPTQ, LLAMACPP }

    /** {@code limit} = number of windows to run at most (0 = all). */
    public record Options(int ctx, Style style, int limit) {
        public Options {
            if (ctx < 2) throw new SuperweightException("context of " + ctx + " tokens: at least 2 are needed");
            if (limit < 0) throw new SuperweightException("window limit " + limit + " is negative");
        }
    }

    private Perplexity() {
    }

    /** Windows finished earlier (a run store) and where to record newly finished ones. */
    public interface WindowLog {
        /** The NLL sum of a window computed before, or null. */
        Double finished(int window);

        void record(int window, double nllSum);

        WindowLog NONE = new WindowLog() {
            @Override
            public Double finished(int window) {
                return null;
            }

            @Override
            public void record(int window, double nllSum) {
            }
        };
    }

    public static PerplexityResult compute(Transformer transformer, Interventions iv, int[] tokens, int bosId, Options o,
                                           String dataset, IntConsumer onWindow) {
        return compute(transformer, iv, tokens, bosId, o, dataset, onWindow, WindowLog.NONE);
    }

    /**
     * @param bosId the id written over the first token of each window in llama.cpp style, or -1 for none
     * @param onWindow called after each window with the number of windows done (progress)
     * @param log      windows already computed are taken from it, new ones recorded in it
     */
    public static PerplexityResult compute(Transformer transformer, Interventions iv, int[] tokens, int bosId, Options o,
                                           String dataset, IntConsumer onWindow, WindowLog log) {
        int ctx = o.ctx();
        int available = tokens.length / ctx;
        if (available == 0) {
            throw new SuperweightException(dataset + ": " + tokens.length + " tokens, fewer than one window of " + ctx);
        }
        int windows = o.limit() > 0 ? Math.min(o.limit(), available) : available;
        int firstScored = o.style() == Style.LLAMACPP ? ctx / 2 : 0;
        int perWindow = ctx - 1 - firstScored;
        InferenceState st = transformer.newState(ctx);
        double nllSum = 0;
        long scored = 0;
        List<PerplexityResult.Window> done = new ArrayList<>(windows);
        for (int w = 0; w < windows; w++) {
            Double before = log.finished(w);
            if (before != null) {
                nllSum += before;
                scored += perWindow;
                done.add(new PerplexityResult.Window(w, w * ctx + firstScored + 1, perWindow, before));
                if (onWindow != null) onWindow.accept(w + 1);
                continue;
            }
            double nll = windowNll(transformer, st, iv, tokens, w, bosId, o);
            log.record(w, nll);
            nllSum += nll;
            scored += perWindow;
            done.add(new PerplexityResult.Window(w, w * ctx + firstScored + 1, perWindow, nll));
            if (onWindow != null) onWindow.accept(w + 1);
        }
        double meanNll = nllSum / scored;
        return new PerplexityResult(dataset, o.style().name().toLowerCase(), Math.exp(meanNll), meanNll, scored, windows, ctx, "", null, done);
    }

    /**
     * The summed NLL of window {@code w} of {@code tokens} on {@code st} (reset first): the whole window is fed (its
     * last position only as input), as the reference scripts do, so a per-tensor activation hook sees exactly their rows.
     */
    static double windowNll(Transformer transformer, InferenceState st, Interventions iv, int[] tokens, int w, int bosId, Options o) {
        int ctx = o.ctx(), vocab = transformer.model().config().vocabSize();
        int firstScored = o.style() == Style.LLAMACPP ? ctx / 2 : 0;
        int[] window = Arrays.copyOfRange(tokens, w * ctx, (w + 1) * ctx);
        if (o.style() == Style.LLAMACPP && bosId >= 0) window[0] = bosId;
        st.truncate(0);
        double[] sum = {0};
        transformer.forward(st, window, Taps.NONE, iv, firstScored, (pos, logits, off) -> {
            if (pos < ctx - 1) sum[0] -= LogProbs.logProb(logits, off, vocab, window[pos + 1]);
        });
        return sum[0];
    }
}
