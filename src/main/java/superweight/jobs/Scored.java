package superweight.jobs;

import java.io.Serializable;

/** One finished piece of a unit on its way to the driver: a task item or a perplexity window, by its index. */
public sealed interface Scored extends Serializable permits ScoredItem, ScoredWindow {
    int index();
}
