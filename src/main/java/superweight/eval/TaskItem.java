package superweight.eval;

import java.util.List;

/**
 * One document of a task turned into requests. {@code choices} are the strings whose character lengths normalise
 * acc_norm (lm-eval's {@code doc_to_choice}); {@code gold} indexes them (-1 for a plain log-likelihood task).
 */
public record TaskItem(String task, int index, List<Request> requests, List<String> choices, int gold) {
    public TaskItem {
        requests = List.copyOf(requests);
        choices = List.copyOf(choices);
    }
}
