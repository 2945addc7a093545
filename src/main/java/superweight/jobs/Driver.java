package superweight.jobs;

import java.util.Set;

/** What an executor reports to: the driver, which alone writes the run store. Every method is thread-safe. */
public interface Driver {
    /** The --master URL, or null for the executor's default. */
    String master();

    /** The checkpoint the driver opened, for executors that run in the driver's JVM. */
    UnitRunner.Opened model();

    /** Items (or windows, by the key's table) of a run the store holds (only in the driver's JVM). */
    Set<Integer> stored(StoreKey key);

    void started(WorkUnit u);

    /** Commits one scored item or window at once (executors in the driver's JVM, so a killed run loses nothing finished). */
    void commit(WorkUnit u, StoreKey key, Scored item);

    /** A unit finished: commits the items it carries. */
    void finished(WorkUnit u, UnitResult r);

    /** A unit failed for good (after the executor's retries). */
    void failed(WorkUnit u, Throwable t);
}
