package superweight.eval;

import java.util.List;

/** Scores every request of one item, in order (the harness calls it once per unfinished item). */
@FunctionalInterface
public interface ItemScorer {
    List<ChoiceScore> score(TaskItem item);

    /** The model scorer: requests tokenized the lm-eval way, choices sharing the context's KV cache. */
    static ItemScorer of(RequestEncoder encoder, LoglikelihoodScorer scorer) {
        return item -> scorer.score(item.requests().stream().map(r -> encoder.encode(r.context(), r.continuation())).toList());
    }
}
