package superweight.jobs;

import superweight.SuperweightException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A grid command's work on one model: cells of one derivation (condition) each with its zero-shot tasks and
 * perplexity sets; each task is cut into ranges of at most {@code unitItems} items and each perplexity set into
 * ranges of at most {@code unitWindows} windows. Units share nothing but the run store, so they may run in any
 * order, anywhere.
 *
 * @param modelPath       the checkpoint as every executor opens it (a local path; Hub ids are resolved by the driver)
 * @param baseFingerprint the checkpoint's fingerprint: part of every unit's name, so a changed file never reuses a unit's record
 */
public record Grid(String modelPath, String baseFingerprint, List<Cell> cells, EvalSettings settings, int unitItems, int unitWindows) {
    public static final int DEFAULT_UNIT_ITEMS = 250;
    public static final int DEFAULT_UNIT_WINDOWS = 8;

    /** One derivation with what it is evaluated on. */
    public record Cell(Derivation derivation, List<String> tasks, List<PerplexitySet> perplexity) {
        public Cell {
            tasks = List.copyOf(tasks);
            perplexity = List.copyOf(perplexity);
        }
    }

    public Grid {
        cells = List.copyOf(cells);
        if (unitItems < 1) throw new SuperweightException("--unit-items " + unitItems + ": must be at least 1");
        if (unitWindows < 1) throw new SuperweightException("--unit-windows " + unitWindows + ": must be at least 1");
    }

    /** Every derivation on every task and perplexity set (the grid commands' shape). */
    public static Grid of(String modelPath, String baseFingerprint, List<Derivation> derivations, List<String> tasks,
                          List<PerplexitySet> perplexity, EvalSettings settings, int unitItems, int unitWindows) {
        return new Grid(modelPath, baseFingerprint, derivations.stream().map(d -> new Cell(d, tasks, perplexity)).toList(), settings,
                unitItems, unitWindows);
    }

    /** The zero-shot tasks of all cells, each once. */
    public List<String> tasks() {
        LinkedHashSet<String> r = new LinkedHashSet<>();
        cells.forEach(c -> r.addAll(c.tasks()));
        return List.copyOf(r);
    }

    /** Every unit, cells outermost (so an executor's cache of derived models is reused), given each task's item count. */
    public List<WorkUnit> units(Map<String, Integer> itemsPerTask) {
        List<WorkUnit> r = new ArrayList<>();
        for (Cell c : cells) {
            Derivation d = c.derivation();
            String prefix = baseFingerprint + "|" + d.key() + "|" + d.condition() + "|";
            for (String task : c.tasks()) {
                int n = itemsPerTask.get(task);
                for (int from = 0; from < n; from += unitItems) {
                    int to = Math.min(n, from + unitItems);
                    String name = prefix + task + "|" + settings + "|" + from + "-" + to;
                    r.add(new WorkUnit(r.size(), name, modelPath, d, task, from, to, settings, null, new int[0], null));
                }
            }
            for (PerplexitySet p : c.perplexity()) {
                for (int from = 0; from < p.windows(); from += unitWindows) {
                    int to = Math.min(p.windows(), from + unitWindows);
                    String name = prefix + p.describe() + "|" + from + "-" + to;
                    r.add(new WorkUnit(r.size(), name, modelPath, d, "ppl:" + p.dataset(), from, to, settings, null, new int[0], p.slice(from, to)));
                }
            }
        }
        return r;
    }
}
