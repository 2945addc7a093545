package superweight.jobs;

import superweight.eval.ChoiceScore;
import superweight.eval.DataDirs;
import superweight.engine.InferenceState;
import superweight.engine.Transformer;
import superweight.eval.Evaluation;
import superweight.eval.PerplexityStream;
import superweight.eval.TaskItem;
import superweight.eval.Tasks;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Computes work units (task items or perplexity windows) in one JVM with the existing engine and evaluation code. Derived models and prepared task
 * runs are kept for the last few derivations, since units come grouped by condition and quantizing a model costs
 * more than scoring a few items. Thread-safe: Spark runs several tasks of one executor at once.
 */
public final class UnitRunner {
    /** A checkpoint opened in this JVM; the tokenizer is loaded on first use. */
    public record Opened(Model model, java.util.function.Supplier<Tokenizer> tokenizer) {
    }

    private static final int KEEP = 2;

    private final int concurrency;
    private final Map<String, Derivation.Derived> derived = lru();
    private final Map<String, Evaluation.TaskRun> runs = lru();

    /** @param concurrency items of one unit scored at once (the cores this runner's tasks may use) */
    public UnitRunner(int concurrency) {
        this.concurrency = Math.max(1, concurrency);
    }

    /**
     * Scores the unit's items or windows that {@code stored} (or the unit's own record of finished ones) does not
     * hold, hands each to {@code sink} as it finishes when a sink is given (else returns them in the result), and
     * names where it ran with {@code ranOn}.
     */
    public UnitResult run(WorkUnit u, Opened m, Function<StoreKey, Set<Integer>> stored, BiConsumer<StoreKey, Scored> sink, String ranOn) {
        long t0 = System.nanoTime();
        List<Scored> out = new ArrayList<>();
        AtomicInteger count = new AtomicInteger();
        BiConsumer<StoreKey, Scored> counted = (key, item) -> {
            count.incrementAndGet();
            if (sink != null) {
                sink.accept(key, item);
            } else {
                synchronized (out) {
                    out.add(item);
                }
            }
        };
        StoreKey key = u.windows() != null ? runWindows(u, m, stored, counted) : runItems(u, m, stored, counted);
        out.sort(java.util.Comparator.comparingInt(Scored::index));
        return new UnitResult(u.id(), key, out, count.get(), System.nanoTime() - t0, ranOn);
    }

    private StoreKey runItems(WorkUnit u, Opened m, Function<StoreKey, Set<Integer>> stored, BiConsumer<StoreKey, Scored> sink) {
        Evaluation.TaskRun run = prepare(u, m);
        StoreKey key = StoreKey.of(StoreKey.Table.ITEMS, run.key());
        Set<Integer> have = key.equals(u.expected()) ? null : stored.apply(key);
        List<TaskItem> todo = new ArrayList<>();
        for (int i = u.from(); i < Math.min(u.to(), run.items().size()); i++) {
            if (have == null ? !u.isDone(i) : !have.contains(i)) todo.add(run.items().get(i));
        }
        score(todo, run, item -> sink.accept(key, item));
        return key;
    }

    /** A perplexity unit: its windows one after the other on one state (the windows of a set are independent). */
    private StoreKey runWindows(WorkUnit u, Opened m, Function<StoreKey, Set<Integer>> stored, BiConsumer<StoreKey, Scored> sink) {
        Derivation.Derived d = derived(u, m);
        PerplexityStream stream = u.windows().stream();
        StoreKey key = StoreKey.of(StoreKey.Table.WINDOWS, stream.key(d.model(), u.derivation().condition(), d.interventions()));
        Set<Integer> have = key.equals(u.expected()) ? null : stored.apply(key);
        Transformer tf = new Transformer(d.model());
        InferenceState state = tf.newState(stream.ctx());
        for (int w = u.from(); w < u.to(); w++) {
            if (have == null ? u.isDone(w) : have.contains(w)) continue;
            sink.accept(key, new ScoredWindow(w, stream.windowNll(tf, state, d.interventions(), w)));
        }
        return key;
    }

    private synchronized Derivation.Derived derived(WorkUnit u, Opened m) {
        return derived.computeIfAbsent(u.derivation().key(), k -> u.derivation().derive(m.model()));
    }

    private synchronized Evaluation.TaskRun prepare(WorkUnit u, Opened m) {
        Derivation.Derived d = derived(u, m);
        String runKey = u.derivation().key() + "|" + u.derivation().condition() + "|" + u.task() + "|" + u.settings();
        return runs.computeIfAbsent(runKey, k -> {
            var docs = Tasks.documents(Tasks.get(u.task()), DataDirs.of(u.settings().dataDir() == null ? null : Path.of(u.settings().dataDir())));
            return Evaluation.taskRun(d.model(), m.tokenizer().get(), d.interventions(), u.derivation().condition(), u.task(), docs,
                    u.settings().options(concurrency));
        });
    }

    private void score(List<TaskItem> todo, Evaluation.TaskRun run, Consumer<Scored> deliver) {
        if (concurrency == 1 || todo.size() < 2) {
            for (TaskItem it : todo) deliver.accept(scoreOne(it, run));
            return;
        }
        ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(concurrency, todo.size()), r -> {
            Thread t = new Thread(r, "unit-item");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (TaskItem it : todo) futures.add(pool.submit(() -> deliver.accept(scoreOne(it, run))));
            for (Future<?> f : futures) f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static ScoredItem scoreOne(TaskItem it, Evaluation.TaskRun run) {
        List<ChoiceScore> s = run.scorer().score(it);
        if (s.size() != it.requests().size()) {
            throw new IllegalStateException(it.task() + " item " + it.index() + ": " + s.size() + " scores for " + it.requests().size() + " requests");
        }
        return ScoredItem.of(it.index(), it.requestsDigest(), s);
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > KEEP;
            }
        };
    }
}
