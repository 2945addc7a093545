package superweight.jobs;

import superweight.eval.Perplexity;
import superweight.eval.PerplexityStream;

import java.io.Serializable;

/**
 * A perplexity data set as a grid task of windows, as plain data: the tokens of its windows (of a unit's windows
 * only, once sliced), already tokenized by the driver, so executors need neither the data files nor the tokenizer.
 */
public record PerplexitySet(String dataset, String style, int ctx, int bosId, int[] tokens, String tokensDigest, int first) implements Serializable {
    public static PerplexitySet of(PerplexityStream s) {
        return new PerplexitySet(s.dataset(), s.style().name(), s.ctx(), s.bosId(), s.tokens(), s.tokensDigest(), s.first());
    }

    public int windows() {
        return tokens.length / ctx;
    }

    /** The stream these windows belong to (its description fields, rule and source file, stay on the driver). */
    public PerplexityStream stream() {
        return new PerplexityStream(dataset, Perplexity.Style.valueOf(style), ctx, bosId, tokens, tokensDigest, first, "", null);
    }

    PerplexitySet slice(int from, int to) {
        return of(stream().slice(from, to));
    }

    /** What names the set's run besides model and condition (part of a unit's name). */
    String describe() {
        return "ppl:" + dataset + "|style=" + style + ";ctx=" + ctx + ";bos=" + bosId + ";tokens=" + tokensDigest;
    }
}
