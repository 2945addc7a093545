package superweight.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/** The process-wide pool for the hot loops: splits an index range into a few contiguous chunks, one per worker. */
public final class Parallel {
    private static final int THREADS = Integer.getInteger("superweight.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    private Parallel() {
    }

    public interface RangeBody {
        void run(int from, int to);
    }

    public static int threads() {
        return THREADS;
    }

    /** Runs body over [0, n) in chunks whose starts are multiples of {@code grain}; small ranges run inline. */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS * 4, Math.max(1, n / Math.max(grain, 1)));
        if (POOL == null || chunks <= 1 || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        int per = ((n + chunks - 1) / chunks + grain - 1) / grain * grain;
        List<RecursiveAction> parts = new ArrayList<>();
        for (int from = 0; from < n; from += per) {
            int a = from, b = Math.min(n, from + per);
            parts.add(new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(a, b);
                }
            });
        }
        POOL.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                invokeAll(parts);
            }
        });
    }
}
