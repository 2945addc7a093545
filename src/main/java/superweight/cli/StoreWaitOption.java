package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.eval.RunStore;

import java.time.Duration;

/** --store-wait: how long a command waits for a run store that another process holds before it gives up. */
final class StoreWaitOption {
    @Option(names = "--store-wait", paramLabel = "SECONDS",
            description = "Wait at most this long for a run store another process holds, then fail without writing "
                    + "to it (default 3600; 0 = do not wait).")
    long seconds = RunStore.DEFAULT_WAIT.toSeconds();

    Duration duration() {
        if (seconds < 0) throw new SuperweightException("--store-wait " + seconds + ": must be at least 0 seconds");
        return Duration.ofSeconds(seconds);
    }
}
