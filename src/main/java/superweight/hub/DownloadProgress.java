package superweight.hub;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;

/** Reports the bytes of each file download: a bar with bytes, rate and time left on a terminal, a line otherwise. */
public interface DownloadProgress {
    /** A file of {@code size} bytes of which {@code resumed} are already on disk. */
    Transfer start(String name, long size, long resumed);

    interface Transfer extends AutoCloseable {
        void add(long bytes);

        @Override
        void close();
    }

    DownloadProgress NONE = (name, size, resumed) -> new Transfer() {
        @Override
        public void add(long bytes) {
        }

        @Override
        public void close() {
        }
    };

    /** On a terminal the bar (stderr), else one line per file on stderr. */
    static DownloadProgress console() {
        var console = System.console();
        if (console != null && console.isTerminal()) return bar();
        return (name, size, resumed) -> {
            System.err.printf("downloading %s (%.1f MB%s)%n", name, size / 1e6, resumed > 0 ? String.format(", resuming at %.1f MB", resumed / 1e6) : "");
            return NONE.start(name, size, resumed);
        };
    }

    static DownloadProgress bar() {
        return (name, size, resumed) -> {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(size).startsFrom(resumed, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" MB", 1_000_000).showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            return new Transfer() {
                @Override
                public void add(long bytes) {
                    bar.stepBy(bytes);
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        };
    }
}
