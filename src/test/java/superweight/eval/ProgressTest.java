package superweight.eval;

import org.junit.jupiter.api.Test;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.io.StringWriter;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {
    @Test
    void plainLinesReportCountRateAndEtaOnceTheIntervalHasPassed() {
        StringWriter log = new StringWriter();
        try (Progress.Bar bar = Progress.lines(new PrintWriter(log), Duration.ZERO).start("piqa", "items", 10, 4)) {
            bar.step();
        }
        assertThat(log.toString()).startsWith("piqa: 5/10 items, ").contains(" items/s, ETA ");
    }

    @Test
    void quietBeforeTheInterval() {
        StringWriter log = new StringWriter();
        try (Progress.Bar bar = Progress.lines(new PrintWriter(log), Duration.ofHours(1)).start("piqa", "items", 10, 0)) {
            bar.step();
        }
        assertThat(log.toString()).isEmpty();
    }

    @Test
    void rateCountsOnlyThisRunsStepsAndEtaIsTheRemainingStepsAtThatRate() throws Exception {
        StringWriter log = new StringWriter();
        long before = System.nanoTime();
        long sleptFrom, sleptTo;
        // 400 of 1000 done before this run: one step in at least the slept time is a rate of at most 1/slept
        try (Progress.Bar bar = Progress.lines(new PrintWriter(log), Duration.ZERO).start("piqa", "items", 1000, 400)) {
            sleptFrom = System.nanoTime();
            Thread.sleep(20);
            sleptTo = System.nanoTime();
            bar.step();
        }
        long after = System.nanoTime();
        Matcher m = Pattern.compile("piqa: 401/1000 items, ([0-9.]+) items/s, ETA ([0-9hms.]+)\\n").matcher(log.toString().replace("\r", ""));
        assertThat(m.matches()).as(log.toString()).isTrue();
        double rate = Double.parseDouble(m.group(1));
        // the bar's clock runs from inside start() to inside step(): within [sleptFrom, sleptTo] .. [before, after]
        assertThat(rate).isBetween(1e9 / (after - before) - 0.005, 1e9 / (sleptTo - sleptFrom) + 0.005);
        long eta = Duration.parse("PT" + m.group(2).toUpperCase()).toSeconds();
        // 599 steps left at the printed rate (rounded to 0.01, the ETA truncated to whole seconds)
        assertThat((double) eta).isBetween(599 / (rate + 0.005) - 1, 599 / Math.max(rate - 0.005, 1e-9));
    }

    @Test
    void theLastStepHasAnEtaOfZeroSeconds() {
        StringWriter log = new StringWriter();
        try (Progress.Bar bar = Progress.lines(new PrintWriter(log), Duration.ZERO).start("piqa", "items", 2, 1)) {
            bar.step();
        }
        assertThat(log.toString()).startsWith("piqa: 2/2 items, ").endsWith(" items/s, ETA 0s" + System.lineSeparator());
    }

    @Test
    void eachLineIsFlushedAsItIsWrittenForLogsThatAreWatched() {
        StringWriter sink = new StringWriter();
        PrintWriter buffered = new PrintWriter(new BufferedWriter(sink, 1 << 16));
        Progress.Bar bar = Progress.lines(buffered, Duration.ZERO).start("piqa", "items", 10, 0);
        bar.step();
        assertThat(sink.toString()).startsWith("piqa: 1/10 items, ");
    }

    @Test
    void withoutATerminalTheConsoleProgressIsPlainLines() {
        // tests run with stdin/stdout redirected: System.console() is null or not a terminal
        StringWriter log = new StringWriter();
        try (Progress.Bar bar = Progress.console(new PrintWriter(log), Duration.ZERO).start("piqa", "items", 10, 0)) {
            bar.step();
        }
        assertThat(log.toString()).startsWith("piqa: 1/10 items, ");
    }

    @Test
    void theTerminalBarDrawsTheTaskAndItsCountOnTheGivenStream() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Progress.Bar bar = Progress.terminal(new PrintStream(err, true, StandardCharsets.UTF_8)).start("piqa", "items", 10, 4)) {
            bar.step();
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("piqa").contains("5/10");
    }
}
