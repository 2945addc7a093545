package superweight.spark;

import superweight.jobs.UnitRunner;
import superweight.model.ModelLoader;
import superweight.model.tensor.Parallel;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one executor JVM keeps between tasks: each checkpoint opened once (memory-mapped, so tasks share the pages)
 * with its tokenizer, and one unit runner per item concurrency. Never the driver's model, even where Spark runs the
 * executor inside the driver's JVM (local masters): an executor opens what it evaluates itself.
 */
final class ExecutorModels {
    private static final Map<String, UnitRunner.Opened> MODELS = new ConcurrentHashMap<>();
    private static final Map<Integer, UnitRunner> RUNNERS = new ConcurrentHashMap<>();
    private static final AtomicInteger OPENS = new AtomicInteger();

    private ExecutorModels() {
    }

    static UnitRunner.Opened open(String path) {
        return MODELS.computeIfAbsent(path, p -> {
            OPENS.incrementAndGet();
            var model = ModelLoader.load(Path.of(p));
            return new UnitRunner.Opened(model, new Memo(Path.of(p))::get);
        });
    }

    /**
     * The runner for tasks of {@code cpus} cores: the kernels' pool is sized to them (never the whole machine, so the
     * tasks of one executor do not oversubscribe its cores) and small models score that many items at once.
     */
    static UnitRunner runner(int cpus, int hiddenSize) {
        if (Parallel.threads() != cpus) Parallel.useThreads(cpus);
        return RUNNERS.computeIfAbsent(hiddenSize <= 1024 ? cpus : 1, UnitRunner::new);
    }

    /** How many checkpoints this JVM opened for tasks (tests: once per executor, not once per task). */
    static int opens() {
        return OPENS.get();
    }

    /** A tokenizer loaded on first use, once. */
    private static final class Memo {
        private final Path path;
        private Tokenizer tokenizer;

        Memo(Path path) {
            this.path = path;
        }

        synchronized Tokenizer get() {
            if (tokenizer == null) tokenizer = Tokenizers.load(path);
            return tokenizer;
        }
    }
}
