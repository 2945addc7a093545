package superweight.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import superweight.eval.RunStore;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where finished task items and perplexity windows are kept (--store, --no-store, --store-wait): a rerun, or a grid's
 * units anywhere, then never compute them again.
 */
final class RunStoreOptions {
    @Option(names = "--store", paramLabel = "FILE",
            description = "Run store of finished items and perplexity windows (DuckDB file; default ~/.cache/superweight/runs.duckdb, "
                    + "for report none).")
    Path store;

    @Option(names = "--no-store", description = "Keep nothing between runs (no resume, no grid units).")
    boolean noStore;

    @Mixin
    StoreWaitOption storeWait = new StoreWaitOption();

    /** The store file: --store, else {@code fallback} (null = none); none with --no-store. */
    Path file(Path fallback) {
        return noStore ? null : store != null ? store : fallback;
    }

    /** The store file of the evaluation commands: --store, else the eval package's default file. */
    Path file() {
        return file(RunStore.defaultFile());
    }

    Duration waitFor() {
        return storeWait.duration();
    }
}
