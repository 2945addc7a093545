package superweight.jobs;

import superweight.eval.RunStore;

import java.io.Serializable;

/** A run store key as plain serializable data (what a unit's results are filed under), and which table holds them. */
public record StoreKey(Table table, String model, String condition, String task, String settings) implements Serializable {
    /** Task items (eval_items) or perplexity windows (ppl_windows; {@code task} is then the data set). */
    public enum Table { ITEMS, WINDOWS }

    public static StoreKey of(Table table, RunStore.Key k) {
        return new StoreKey(table, k.model(), k.condition(), k.task(), k.settings());
    }

    public RunStore.Key toStore() {
        return new RunStore.Key(model, condition, task, settings);
    }
}
