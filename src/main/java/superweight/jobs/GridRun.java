package superweight.jobs;

import superweight.eval.DataDirs;
import superweight.eval.RunStore;
import superweight.eval.TaskItem;
import superweight.eval.TaskSpec;
import superweight.eval.Tasks;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver of one grid: expands it into units, leaves out the units the run store already holds (by the key each
 * unit recorded when it first committed), hands the rest to an executor and commits what comes back. Progress
 * (units done / running / failed, items per second over the grid; a perplexity window counts as an item) goes to
 * {@code err} every {@code interval}.
 * The command then builds its tables from the store exactly as without a grid: every item is there.
 */
public final class GridRun implements Driver {
    /** What a grid run did. */
    public record Summary(int units, int skipped, int finished, int failed, long items, double seconds) {
        public String describe(String executor) {
            return String.format("grid: %d units (%d already stored) on %s: %d finished, %d failed; %d items in %.1f s, %.2f items/s",
                    units, skipped, executor, finished, failed, items, seconds, seconds > 0 ? items / seconds : 0.0);
        }
    }

    private final String master;
    private final UnitRunner.Opened model;
    private final RunStore store;
    private final Map<String, List<TaskItem>> items;
    private final PrintWriter err;
    private final long intervalNanos, start = System.nanoTime();
    private final Set<Integer> mapped = ConcurrentHashMap.newKeySet(), running = ConcurrentHashMap.newKeySet();
    private int finished, failed;
    private long scored, lastPrint = start;
    private Throwable firstFailure;

    private GridRun(String master, UnitRunner.Opened model, RunStore store, Map<String, List<TaskItem>> items, PrintWriter err, Duration interval) {
        this.master = master;
        this.model = model;
        this.store = store;
        this.items = items;
        this.err = err;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Runs {@code grid} on {@code executor} against the store file; {@code model} is the checkpoint the driver opened.
     * A summary line is printed when the grid ran elsewhere or took longer than {@code interval}.
     */
    public static Summary run(Grid grid, Executor executor, String master, UnitRunner.Opened model, Path storeFile, PrintWriter err,
                              Duration interval) {
        Map<String, List<TaskItem>> items = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        DataDirs dirs = DataDirs.of(grid.settings().dataDir() == null ? null : Path.of(grid.settings().dataDir()));
        for (String task : grid.tasks()) {
            TaskSpec spec = Tasks.get(task);
            var docs = Tasks.documents(spec, dirs);
            int n = grid.settings().limit() > 0 ? Math.min(grid.settings().limit(), docs.size()) : docs.size();
            List<TaskItem> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) list.add(spec.item(i, docs.get(i)));
            items.put(task, list);
            counts.put(task, n);
        }
        List<WorkUnit> all = grid.units(counts);
        try (RunStore store = RunStore.open(storeFile)) {
            GridRun run = new GridRun(master, model, store, items, err, interval);
            List<WorkUnit> todo = run.pending(all);
            executor.execute(todo, run);
            Summary s = new Summary(all.size(), all.size() - todo.size(), run.finished, run.failed, run.scored, (System.nanoTime() - run.start) / 1e9);
            if (!executor.name().equals(LocalExecutor.NAME) || System.nanoTime() - run.start >= run.intervalNanos) {
                err.println(s.describe(executor.name() + (master != null ? " " + master : "")));
                if (run.firstFailure != null) err.println("note: first failure: " + run.firstFailure.getMessage() + " (the command's own pass reports it)");
                err.flush();
            }
            return s;
        }
    }

    /** The units with items the store lacks, each told the key and the items it already has there. */
    private List<WorkUnit> pending(List<WorkUnit> all) {
        List<WorkUnit> r = new ArrayList<>();
        for (WorkUnit u : all) {
            RunStore.Key key = store.unitKey(u.name());
            if (key == null) {
                r.add(u);
                continue;
            }
            StoreKey known = StoreKey.of(u.table(), key);
            Set<Integer> have = stored(known);
            int[] done = java.util.stream.IntStream.range(u.from(), u.to()).filter(have::contains).toArray();
            if (done.length < u.items()) r.add(u.withStored(known, done));
        }
        return r;
    }

    @Override
    public String master() {
        return master;
    }

    @Override
    public UnitRunner.Opened model() {
        return model;
    }

    /** Stored windows, or stored items that answer the very same requests (as the harness checks before it reuses one). */
    @Override
    public Set<Integer> stored(StoreKey key) {
        if (key.table() == StoreKey.Table.WINDOWS) return new HashSet<>(store.finishedWindows(key.toStore()).keySet());
        List<TaskItem> list = items.get(key.task());
        Set<Integer> r = new HashSet<>();
        store.finished(key.toStore()).forEach((i, s) -> {
            if (list != null && i < list.size() && s.requestsDigest().equals(list.get(i).requestsDigest())
                    && s.scores().size() == list.get(i).requests().size()) r.add(i);
        });
        return r;
    }

    @Override
    public void started(WorkUnit u) {
        running.add(u.id());
        progress();
    }

    @Override
    public void commit(WorkUnit u, StoreKey key, Scored result) {
        // the unit's key first: a driver killed between the two then still knows where the unit's items went
        if (mapped.add(u.id())) store.putUnitKey(u.name(), key.toStore());
        switch (result) {
            case ScoredItem item -> store.put(key.toStore(), item.index(), item.requestsDigest(), item.scores());
            case ScoredWindow window -> store.putWindow(key.toStore(), window.index(), window.nllSum());
        }
        synchronized (this) {
            scored++;
        }
        progress();
    }

    @Override
    public void finished(WorkUnit u, UnitResult r) {
        for (Scored item : r.items()) commit(u, r.key(), item);
        if (mapped.add(u.id())) store.putUnitKey(u.name(), r.key().toStore());
        running.remove(u.id());
        synchronized (this) {
            finished++;
        }
        progress();
    }

    @Override
    public void failed(WorkUnit u, Throwable t) {
        running.remove(u.id());
        synchronized (this) {
            failed++;
            if (firstFailure == null) firstFailure = t;
        }
        progress();
    }

    private synchronized void progress() {
        long now = System.nanoTime();
        if (now - lastPrint < intervalNanos) return;
        lastPrint = now;
        double seconds = (now - start) / 1e9;
        err.printf("grid: %d units done, %d running, %d failed; %d items, %.2f items/s%n", finished, running.size(), failed, scored,
                scored / seconds);
        err.flush();
    }
}
