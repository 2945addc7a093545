package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs tasks item by item against a {@link RunStore}: items already in the store (for the same prompts) are not
 * scored again, every newly scored item is committed at once, and the task's metrics are computed from the stored scores, so an
 * interrupted and resumed run reports exactly what an uninterrupted one does.
 */
public final class Harness {
    private final RunStore store;
    private final String model, condition, settings;
    private final int concurrency;
    private final Progress progress;

    /**
     * @param settings    everything besides model and condition that changes the scores (BOS, length, interventions)
     * @param concurrency items scored at the same time (each matmul already uses every core; more helps small models)
     */
    public Harness(RunStore store, String modelFingerprint, String condition, String settings, int concurrency, Progress progress) {
        this.store = store;
        this.model = modelFingerprint;
        this.condition = condition;
        this.settings = settings;
        this.concurrency = Math.max(1, concurrency);
        this.progress = progress;
    }

    /** Scores the first {@code limit} documents (0 = all) of a task and aggregates its metrics. */
    public TaskResult run(TaskSpec spec, List<JsonNode> docs, int limit, ItemScorer scorer) {
        int n = limit > 0 ? Math.min(limit, docs.size()) : docs.size();
        List<TaskItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) items.add(spec.item(i, docs.get(i)));
        RunStore.Key key = key(model, condition, spec, settings);
        Map<Integer, List<ChoiceScore>> done = new java.util.HashMap<>();
        store.finished(key).forEach((i, stored) -> {
            if (i < n && stored.requestsDigest().equals(items.get(i).requestsDigest())
                    && stored.scores().size() == items.get(i).requests().size()) {
                done.put(i, stored.scores());
            }
        });
        List<TaskItem> todo = items.stream().filter(it -> !done.containsKey(it.index())).toList();
        try (Progress.Bar bar = progress.start(spec.name(), "items", n, n - todo.size())) {
            if (concurrency == 1 || todo.size() < 2) {
                for (TaskItem it : todo) finish(key, it, scorer, done, bar);
            } else {
                scoreConcurrently(key, todo, scorer, done, bar);
            }
        }
        List<List<ChoiceScore>> scores = new ArrayList<>(n);
        List<SampleLog.Sample> log = new ArrayList<>(n);
        for (TaskItem it : items) {
            scores.add(done.get(it.index()));
            log.add(new SampleLog.Sample(docs.get(it.index()), it, done.get(it.index())));
        }
        return TaskResult.aggregate(spec, items, scores, docs.size()).withSamples(log);
    }

    /** Where a task's items are stored: the settings are extended by the task's version. */
    static RunStore.Key key(String modelFingerprint, String condition, TaskSpec spec, String settings) {
        return new RunStore.Key(modelFingerprint, condition, spec.name(), settings + ";task_version=" + spec.version());
    }

    private void finish(RunStore.Key key, TaskItem it, ItemScorer scorer, Map<Integer, List<ChoiceScore>> done, Progress.Bar bar) {
        List<ChoiceScore> s = scorer.score(it);
        if (s.size() != it.requests().size()) {
            throw new IllegalStateException(it.task() + " item " + it.index() + ": " + s.size() + " scores for " + it.requests().size() + " requests");
        }
        store.put(key, it.index(), it.requestsDigest(), s);
        synchronized (done) {
            done.put(it.index(), s);
        }
        bar.step();
    }

    private void scoreConcurrently(RunStore.Key key, List<TaskItem> todo, ItemScorer scorer, Map<Integer, List<ChoiceScore>> done,
                                   Progress.Bar bar) {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "eval-item");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (TaskItem it : todo) futures.add(pool.submit(() -> finish(key, it, scorer, done, bar)));
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
