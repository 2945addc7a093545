package superweight.eval;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Options of a task evaluation.
 *
 * @param dataDir     the data directory (null = {@link DataDirs#defaultDataDir()}); the HF hub cache is searched too
 * @param limit       the first N documents of each task (0 = all)
 * @param addBos      prepend BOS to every request (null = the {@code bos} convention's default)
 * @param store       the run store file (null = an in-memory store, nothing persists)
 * @param concurrency items scored at the same time (0 = automatic: every core for small models, else 1)
 * @param progress    where progress is shown
 * @param bos         which lm-eval BOS behaviour to follow (null = {@link BosConvention#LM_EVAL_0_4_3}, the paper's)
 * @param maxLength   lm-eval's {@code max_length} (0 = the context length the model declares)
 * @param storeWait   how long to wait for a store another process holds (null = {@link RunStore#DEFAULT_WAIT})
 */
public record EvalOptions(Path dataDir, int limit, Boolean addBos, Path store, int concurrency, Progress progress,
                          BosConvention bos, int maxLength, Duration storeWait) {
    public EvalOptions {
        if (storeWait == null) storeWait = RunStore.DEFAULT_WAIT;
        if (limit < 0) throw new superweight.SuperweightException("--limit " + limit + ": must be at least 1 (or 0 for all)");
        if (maxLength < 0 || maxLength == 1) throw new superweight.SuperweightException("--max-length " + maxLength + ": must be at least 2");
        if (progress == null) progress = Progress.NONE;
        if (bos == null) bos = BosConvention.LM_EVAL_0_4_3;
    }

    public EvalOptions(Path dataDir, int limit, Boolean addBos, Path store, int concurrency, Progress progress) {
        this(dataDir, limit, addBos, store, concurrency, progress, null, 0, null);
    }

    /** All documents, lm-eval 0.4.3's BOS default, the default run store, automatic concurrency, no progress display. */
    public static EvalOptions defaults() {
        return new EvalOptions(null, 0, null, RunStore.defaultFile(), 0, Progress.NONE);
    }

    public EvalOptions withLimit(int n) {
        return new EvalOptions(dataDir, n, addBos, store, concurrency, progress, bos, maxLength, storeWait);
    }

    public EvalOptions withStore(Path file) {
        return new EvalOptions(dataDir, limit, addBos, file, concurrency, progress, bos, maxLength, storeWait);
    }

    public EvalOptions withDataDir(Path dir) {
        return new EvalOptions(dir, limit, addBos, store, concurrency, progress, bos, maxLength, storeWait);
    }

    public EvalOptions withProgress(Progress p) {
        return new EvalOptions(dataDir, limit, addBos, store, concurrency, p, bos, maxLength, storeWait);
    }

    public EvalOptions withBos(BosConvention c) {
        return new EvalOptions(dataDir, limit, addBos, store, concurrency, progress, c, maxLength, storeWait);
    }

    public EvalOptions withStoreWait(Duration wait) {
        return new EvalOptions(dataDir, limit, addBos, store, concurrency, progress, bos, maxLength, wait);
    }

    public EvalOptions withMaxLength(int n) {
        return new EvalOptions(dataDir, limit, addBos, store, concurrency, progress, bos, n, storeWait);
    }
}
