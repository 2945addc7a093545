package superweight.model.tensor;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The process-wide workers for the hot loops: splits an index range into contiguous chunks (starts on multiples of
 * the grain) that the caller and the workers claim in order. Decoding issues about a hundred short ranges per
 * token, so idle workers spin briefly before parking: waking a parked thread costs tens of microseconds, as much
 * as a whole matrix-vector product of a small model.
 */
public final class Parallel {
    private static volatile int threads = Math.max(1, Integer.getInteger("superweight.threads", Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker keeps polling for the next range before it parks. */
    private static final long SPIN_NANOS = 200_000;
    private static final long YIELD_AFTER_NANOS = 20_000;
    /** Chunks per thread: a few, so that a thread slowed by other load on the machine does not hold everyone up. */
    private static final int CHUNKS_PER_THREAD = 4;

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static volatile Worker[] workers = new Worker[0];
    private static volatile Job current;
    private static volatile long generation;

    static {
        startWorkers(threads - 1);
    }

    private Parallel() {
    }

    public interface RangeBody {
        void run(int from, int to);
    }

    public static int threads() {
        return threads;
    }

    /**
     * Sets the number of threads (caller included) that later ranges use, starting workers if needed: for
     * {@code bench --threads} and for the tests that check results do not depend on it. Results never do.
     */
    public static synchronized void useThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be positive, not " + n);
        startWorkers(n - 1);
        threads = n;
    }

    private static synchronized void startWorkers(int count) {
        Worker[] now = workers;
        if (count <= now.length) return;
        Worker[] more = Arrays.copyOf(now, count);
        for (int i = now.length; i < count; i++) {
            more[i] = new Worker("superweight-worker-" + i);
            more[i].start();
        }
        workers = more;
    }

    /**
     * Runs body over [0, n) in chunks whose starts are multiples of {@code grain}. Small ranges, nested calls and
     * calls while another thread's range is running run inline on the caller.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        run(n, chunkLength(n, grain), body);
    }

    /** The chunk length {@link #forRange} splits [0, n) into: a few chunks per thread, multiples of the grain. */
    public static int chunkLength(int n, int grain) {
        int g = Math.max(grain, 1);
        int chunks = Math.min(threads * CHUNKS_PER_THREAD, Math.max(1, n / g));
        return ((n + chunks - 1) / chunks + g - 1) / g * g;
    }

    /**
     * Runs body over [0, n) in chunks of exactly {@code chunk} indices (the last one shorter), however many that
     * makes: for ranges whose cost is even per index, such as the rows of a matrix-vector product, where a few
     * long chunks leave one thread idle for up to a chunk at the end of every range. Inline as {@link #forRange}.
     */
    public static void forChunks(int n, int chunk, RangeBody body) {
        if (n <= 0) return;
        run(n, Math.max(chunk, 1), body);
    }

    private static void run(int n, int per, RangeBody body) {
        int t = threads, chunks = (n + per - 1) / per;
        if (t == 1 || chunks <= 1 || !BUSY.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            Job job = new Job(body, n, per, chunks, t - 1);
            current = job;
            generation++;
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
            job.work();
            long waitingSince = System.nanoTime();
            while (job.done.get() < job.chunks) pause(waitingSince);
            if (job.error != null) {
                if (job.error instanceof RuntimeException e) throw e;
                if (job.error instanceof Error e) throw e;
                throw new IllegalStateException(job.error);
            }
        } finally {
            current = null;
            BUSY.set(false);
        }
    }

    /**
     * One step of a busy wait: a spin hint at first, then yields, so that on a machine with more runnable threads
     * than cores the waiting thread hands its core to the thread it is waiting for.
     */
    private static void pause(long since) {
        if (System.nanoTime() - since < YIELD_AFTER_NANOS) Thread.onSpinWait();
        else Thread.yield();
    }

    private static final class Job {
        final RangeBody body;
        final int n, per, chunks;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        /** Workers that may still join: the caller plus at most threads - 1 of them run the chunks. */
        final AtomicInteger seats;
        volatile Throwable error;

        Job(RangeBody body, int n, int per, int chunks, int seats) {
            this.body = body;
            this.n = n;
            this.per = per;
            this.chunks = chunks;
            this.seats = new AtomicInteger(seats);
        }

        /** Claims and runs chunks until none is left. */
        void work() {
            // counted once per thread, not per chunk: one contended atomic less for each of many short chunks
            int ran = 0;
            for (int c; (c = next.getAndIncrement()) < chunks; ran++) {
                try {
                    if (error == null) body.run(c * per, Math.min(n, (c + 1) * per));
                } catch (Throwable t) {
                    error = t;
                }
            }
            if (ran > 0) done.addAndGet(ran);
        }
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long idleSince = System.nanoTime();
                while (generation == seen) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        pause(idleSince);
                    } else {
                        // Announce before the last check: forRange bumps the generation, then unparks parked workers.
                        parked = true;
                        if (generation == seen) LockSupport.park(this);
                        parked = false;
                    }
                }
                seen = generation;
                Job job = current;
                if (job != null && job.seats.getAndDecrement() > 0) job.work();
            }
        }
    }
}
