package superweight.eval;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
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
}
