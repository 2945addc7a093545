package superweight.eval;

import java.nio.file.Path;

/**
 * Options of a task evaluation.
 *
 * @param dataDir     the data directory (null = {@link DataDirs#defaultDataDir()}); the HF hub cache is searched too
 * @param limit       the first N documents of each task (0 = all)
 * @param addBos      prepend BOS to every request (null = lm-eval's HFLM default: no BOS, except Gemma models)
 * @param store       the run store file (null = an in-memory store, nothing persists)
 * @param concurrency items scored at the same time (0 = automatic: every core for small models, else 1)
 * @param progress    where progress is shown
 */
public record EvalOptions(Path dataDir, int limit, Boolean addBos, Path store, int concurrency, Progress progress) {
    public EvalOptions {
        if (limit < 0) throw new superweight.SuperweightException("--limit " + limit + ": must be at least 1 (or 0 for all)");
        if (progress == null) progress = Progress.NONE;
    }

    /** All documents, lm-eval's BOS default, the default run store, automatic concurrency, no progress display. */
    public static EvalOptions defaults() {
        return new EvalOptions(null, 0, null, RunStore.defaultFile(), 0, Progress.NONE);
    }

    public EvalOptions withLimit(int n) {
        return new EvalOptions(dataDir, n, addBos, store, concurrency, progress);
    }

    public EvalOptions withStore(Path file) {
        return new EvalOptions(dataDir, limit, addBos, file, concurrency, progress);
    }

    public EvalOptions withDataDir(Path dir) {
        return new EvalOptions(dir, limit, addBos, store, concurrency, progress);
    }

    public EvalOptions withProgress(Progress p) {
        return new EvalOptions(dataDir, limit, addBos, store, concurrency, p);
    }
}
