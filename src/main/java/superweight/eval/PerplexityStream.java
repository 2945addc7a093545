package superweight.eval;

import superweight.SuperweightException;
import superweight.engine.InferenceState;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * One perplexity data set made ready before any model runs it: the token stream cut into {@code windows} windows of
 * {@code ctx} tokens (only those tokens are kept), and what names its run in the store. The same stream under any
 * condition, in any JVM and in any order of windows, gives the same per-window NLLs, so its windows can be scored
 * in separate work units and the perplexity combined from the stored windows afterwards.
 *
 * @param dataset      the name the run is stored under (wikitext2, c4, a file path, "tokens", ...)
 * @param tokensDigest a digest of the whole tokenized stream (text and tokenizer together), part of the store key
 * @param first        the index of {@code tokens}' first window in the whole stream (0 unless this is a {@link #slice})
 */
public record PerplexityStream(String dataset, Perplexity.Style style, int ctx, int bosId, int[] tokens, String tokensDigest, int first,
                               String rule, Path source) {
    public PerplexityStream {
        if (ctx < 2) throw new SuperweightException(dataset + ": context of " + ctx + " tokens: at least 2 are needed");
        if (tokens.length % ctx != 0) throw new IllegalArgumentException(dataset + ": " + tokens.length + " tokens are not whole windows of " + ctx);
    }

    /**
     * The first {@code limit} windows (0 = all) of {@code all}; fails with one line when the stream is shorter than
     * one window.
     */
    public static PerplexityStream of(String dataset, Perplexity.Style style, int ctx, int bosId, int[] all, int limit, String rule, Path source) {
        int available = all.length / ctx;
        if (available == 0) throw new SuperweightException(dataset + ": " + all.length + " tokens, fewer than one window of " + ctx);
        int windows = limit > 0 ? Math.min(limit, available) : available;
        return new PerplexityStream(dataset, style, ctx, bosId, Arrays.copyOf(all, windows * ctx), Evaluation.digest(all), 0, rule, source);
    }

    public int windows() {
        return tokens.length / ctx;
    }

    /** Windows [from, to) of the whole stream, stored under the same key (the digest names the whole stream). */
    public PerplexityStream slice(int from, int to) {
        if (from < first || to > first + windows() || from >= to) throw new IllegalArgumentException(dataset + ": no windows [" + from + ", " + to + ")");
        return new PerplexityStream(dataset, style, ctx, bosId, Arrays.copyOfRange(tokens, (from - first) * ctx, (to - first) * ctx),
                tokensDigest, from, rule, source);
    }

    /** Where the run of this stream under {@code condition} is stored for {@code model} with {@code iv}. */
    public RunStore.Key key(Model model, String condition, Interventions iv) {
        String settings = "style=" + style + ";ctx=" + ctx + ";bos=" + bosId + ";tokens=" + tokensDigest + ";interventions="
                + Evaluation.interventionsDigest(iv);
        return new RunStore.Key(ModelFingerprint.of(model), condition, dataset, settings);
    }

    /** The summed NLL of window {@code window} (an index into the whole stream) on a state of {@code ctx} positions. */
    public double windowNll(Transformer transformer, InferenceState state, Interventions iv, int window) {
        return Perplexity.windowNll(transformer, state, iv, tokens, window - first, bosId, new Perplexity.Options(ctx, style, 0));
    }

    /**
     * The perplexity over every window of the stream; windows the log holds are taken from it and combined in
     * window order with the computed ones (so a stream scored in pieces gives the single-pass figure bit for bit).
     */
    public PerplexityResult compute(Transformer transformer, Interventions iv, Perplexity.WindowLog log, IntConsumer onWindow) {
        if (first != 0) throw new IllegalStateException(dataset + ": a slice has no perplexity of its own");
        return Perplexity.compute(transformer, iv, tokens, bosId, new Perplexity.Options(ctx, style, 0), dataset, onWindow, log)
                .describedBy(dataset, rule, source);
    }
}
