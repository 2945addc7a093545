package superweight.jobs;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One independent piece of a grid for one model and derivation: items [from, to) of one task, or, when
 * {@code windows} is given, windows [from, to) of a perplexity set ({@code task} is then "ppl:DATA" and
 * {@code windows} holds just those windows' tokens). {@code expected} is the store key the driver knows this unit's
 * results under (null before the unit ever committed anything) and {@code done} the items or windows already stored
 * there; a unit whose key turns out different scores its whole range.
 */
public record WorkUnit(int id, String name, String modelPath, Derivation derivation, String task, int from, int to,
                       EvalSettings settings, StoreKey expected, int[] done, PerplexitySet windows) implements Serializable {
    public WorkUnit {
        done = done.clone();
        Arrays.sort(done);
    }

    public int items() {
        return to - from;
    }

    /** Where the unit's results go: task items or perplexity windows. */
    public StoreKey.Table table() {
        return windows == null ? StoreKey.Table.ITEMS : StoreKey.Table.WINDOWS;
    }

    boolean isDone(int item) {
        return Arrays.binarySearch(done, item) >= 0;
    }

    /** "prune-sw arc_easy[0,100)" or "prune-sw ppl:wikitext2[0,16)" for progress lines and errors. */
    public String describe() {
        return derivation.condition() + " " + task + "[" + from + "," + to + ")";
    }

    WorkUnit withStored(StoreKey key, int[] stored) {
        return new WorkUnit(id, name, modelPath, derivation, task, from, to, settings, key, stored, windows);
    }
}
