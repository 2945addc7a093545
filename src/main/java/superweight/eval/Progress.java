package superweight.eval;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Progress of a long loop. On a terminal: a progress bar on stderr with rate and ETA. Otherwise (logs, pipes): a
 * plain line on the given writer every {@code interval} once a run has been going for that long, so short runs stay
 * quiet and long ones leave a trace.
 */
public interface Progress {
    /** One loop (a task or a perplexity pass) of {@code total} steps of which {@code done} are already finished. */
    Bar start(String name, String unit, long total, long done);

    interface Bar extends AutoCloseable {
        void step();

        @Override
        void close();
    }

    Progress NONE = (name, unit, total, done) -> new Bar() {
        @Override
        public void step() {
        }

        @Override
        public void close() {
        }
    };

    /** The bar on a terminal, else periodic lines on {@code log}. */
    static Progress console(PrintWriter log, Duration interval) {
        var console = System.console();
        if (console != null && console.isTerminal()) return terminal(System.err);
        return lines(log, interval);
    }

    static Progress terminal(PrintStream err) {
        return (name, unit, total, done) -> {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total).startsFrom(done, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" " + unit, 1).showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(err)).build();
            return new Bar() {
                @Override
                public void step() {
                    bar.step();
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        };
    }

    static Progress lines(PrintWriter log, Duration interval) {
        return (name, unit, total, done) -> new Bar() {
            final long start = System.nanoTime();
            long last = start, count = done;

            @Override
            public synchronized void step() {
                count++;
                long now = System.nanoTime();
                if (now - last >= interval.toNanos()) {
                    last = now;
                    double rate = (count - done) / ((now - start) / 1e9);
                    long etaSeconds = rate > 0 ? (long) ((total - count) / rate) : -1;
                    log.printf("%s: %d/%d %s, %.2f %s/s, ETA %s%n", name, count, total, unit, rate, unit,
                            etaSeconds < 0 ? "?" : Duration.ofSeconds(etaSeconds).toString().substring(2).toLowerCase());
                    log.flush();
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
