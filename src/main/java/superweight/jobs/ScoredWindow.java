package superweight.jobs;

/** One perplexity window's summed NLL, by its index in the whole stream. */
public record ScoredWindow(int index, double nllSum) implements Scored {
}
