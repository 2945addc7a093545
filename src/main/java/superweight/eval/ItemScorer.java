package superweight.eval;

import java.util.ArrayList;
import java.util.List;

/** Scores every request of one item, in order (the harness calls it once per unfinished item). */
@FunctionalInterface
public interface ItemScorer {
    List<ChoiceScore> score(TaskItem item);

    /**
     * The model scorer: requests tokenized the lm-eval way, choices sharing the context's KV cache; a rolling
     * request's windows are scored and summed into one score (greedy only if every window is).
     */
    static ItemScorer of(RequestEncoder encoder, LoglikelihoodScorer scorer) {
        return item -> {
            if (item.requests().stream().noneMatch(Request::rolling)) {
                return scorer.score(item.requests().stream().map(r -> encoder.encode(r.context(), r.continuation())).toList());
            }
            List<ChoiceScore> out = new ArrayList<>();
            for (Request r : item.requests()) {
                if (!r.rolling()) {
                    out.add(scorer.score(List.of(encoder.encode(r.context(), r.continuation()))).getFirst());
                    continue;
                }
                double ll = 0;
                boolean greedy = true;
                int tokens = 0;
                for (ChoiceScore w : scorer.score(encoder.rolling(r.continuation()))) {
                    ll += w.logLikelihood();
                    greedy &= w.greedy();
                    tokens += w.tokens();
                }
                out.add(new ChoiceScore(ll, greedy, tokens));
            }
            return out;
        };
    }
}
