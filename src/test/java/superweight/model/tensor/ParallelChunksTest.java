package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Parallel#forChunks} runs every index exactly once, in chunks of at most the chunk length that start on its
 * multiples, and returns only after the last chunk has finished, at 1, 2 and 3 threads: a lost or repeated chunk at
 * the end of the range, or a join that counts a thread's chunks before they have run, would show here.
 */
class ParallelChunksTest {
    @Test
    void everyIndexRunsOnceBeforeTheCallReturns() {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.useThreads(threads);
                for (int n : new int[]{1, 15, 16, 17, 1000, 1001}) {
                    for (int chunk : new int[]{1, 16, 999, 5000}) assertRunsOnce(n, chunk);
                }
            }
        } finally {
            Parallel.useThreads(before);
        }
    }

    private static void assertRunsOnce(int n, int chunk) {
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        Parallel.forChunks(n, chunk, (from, to) -> {
            boolean whole = from == 0 && to == n; // the inline path runs the range as one body
            if (!whole) {
                assertThat(from % chunk).isZero();
                assertThat(to - from).isLessThanOrEqualTo(chunk);
            }
            if (to == n && n > 1) LockSupport.parkNanos(200_000); // the last chunk finishes late
            for (int i = from; i < to; i++) runs.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertThat(runs.get(i)).as("index %d of %d in chunks of %d", i, n, chunk).isEqualTo(1);
    }
}
