package superweight.jobs;

import java.io.Serializable;
import java.util.List;

/**
 * What a unit sends back: the key its items are stored under, the items or windows it scored (empty when they were committed
 * one by one as they finished), how long it took and where it ran (executor and task, for progress and checks).
 */
public record UnitResult(int unitId, StoreKey key, List<Scored> items, int scored, long nanos, String ranOn) implements Serializable {
    public UnitResult {
        items = List.copyOf(items);
    }
}
