package superweight.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A grid command's work: one model x derivations (conditions) x tasks, each task cut into ranges of at most
 * {@code unitItems} items. Units share nothing but the run store, so they may run in any order, anywhere.
 *
 * @param modelPath       the checkpoint as every executor opens it (a local path; Hub ids are resolved by the driver)
 * @param baseFingerprint the checkpoint's fingerprint: part of every unit's name, so a changed file never reuses a unit's record
 */
public record Grid(String modelPath, String baseFingerprint, List<Derivation> derivations, List<String> tasks, EvalSettings settings,
                   int unitItems) {
    public static final int DEFAULT_UNIT_ITEMS = 250;

    public Grid {
        derivations = List.copyOf(derivations);
        tasks = List.copyOf(tasks);
        if (unitItems < 1) throw new superweight.SuperweightException("--unit-items " + unitItems + ": must be at least 1");
    }

    /** Every unit, derivations outermost (so an executor's cache of derived models is reused), given each task's item count. */
    public List<WorkUnit> units(Map<String, Integer> itemsPerTask) {
        List<WorkUnit> r = new ArrayList<>();
        for (Derivation d : derivations) {
            for (String task : tasks) {
                int n = itemsPerTask.get(task);
                for (int from = 0; from < n; from += unitItems) {
                    int to = Math.min(n, from + unitItems);
                    String name = baseFingerprint + "|" + d.key() + "|" + d.condition() + "|" + task + "|" + settings + "|" + from + "-" + to;
                    r.add(new WorkUnit(r.size(), name, modelPath, d, task, from, to, settings, null, new int[0]));
                }
            }
        }
        return r;
    }
}
