package superweight.jobs;

import superweight.eval.RunStore;

import java.io.Serializable;

/** A run store key as plain serializable data (what a unit's results are filed under). */
public record StoreKey(String model, String condition, String task, String settings) implements Serializable {
    public static StoreKey of(RunStore.Key k) {
        return new StoreKey(k.model(), k.condition(), k.task(), k.settings());
    }

    public RunStore.Key toStore() {
        return new RunStore.Key(model, condition, task, settings);
    }
}
