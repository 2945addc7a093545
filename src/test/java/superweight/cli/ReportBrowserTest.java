package superweight.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static superweight.cli.AnalysisCommandsTest.run;

/**
 * Opens the demo report in headless Chromium (Debian's chromium package; .ci/run installs it): no console message
 * at all (the page has no scripts, so any message is an error such as a failed load), every figure rendered with a
 * nonzero size, and a screenshot saved to target/report-screenshot.png. Skipped, saying so, without a browser.
 */
class ReportBrowserTest {
    private static final Pattern SIZES = Pattern.compile("data-svg-sizes=\"([^\"]*)\"");

    @TempDir
    Path dir;

    static Path chromium() {
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return null;
    }

    @Test
    void theReportRendersInAHeadlessBrowserWithoutConsoleErrors() throws Exception {
        Path browser = chromium();
        assumeTrue(browser != null, "SKIPPED: no Chromium found (/usr/bin/chromium); install Debian's chromium package (.ci/run does) to run the browser check");
        assertThat(run("report", "--out", dir.toString()).code()).isZero();
        Path page = dir.resolve("report.html");
        // The report has no scripts; a probe copy adds one that measures every <svg> after layout, for --dump-dom.
        String probe = Files.readString(page).replace("</body>", "<script>document.body.setAttribute('data-svg-sizes',"
                + "Array.from(document.querySelectorAll('figure svg')).map(s=>{const r=s.getBoundingClientRect();return Math.round(r.width)+'x'+Math.round(r.height)}).join(' '));</script></body>");
        Path probed = Files.writeString(dir.resolve("probe.html"), probe);

        Chromium dom = chromium(browser, "--dump-dom", probed.toUri().toString());
        Matcher m = SIZES.matcher(dom.out());
        assertThat(m.find()).as("the probe ran: " + dom.err()).isTrue();
        String[] sizes = m.group(1).split(" ");
        assertThat(sizes).hasSize(ReportCommandTest.FIGURES.size());
        for (String s : sizes) {
            String[] wh = s.split("x");
            assertThat(Integer.parseInt(wh[0])).as(s).isGreaterThan(100);
            assertThat(Integer.parseInt(wh[1])).as(s).isGreaterThan(100);
        }

        Path shot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        Chromium screenshot = chromium(browser, "--screenshot=" + shot, "--window-size=1200,3000", page.toUri().toString());
        assertThat(consoleMessages(screenshot.err())).as("console of the report itself").isEmpty();
        assertThat(consoleMessages(dom.err())).as("console of the probe").isEmpty();
        BufferedImage image = ImageIO.read(shot.toFile());
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(distinctColours(image)).as("the screenshot is not blank").isGreaterThan(20);
    }

    record Chromium(String out, String err) {
    }

    private Chromium chromium(Path browser, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(browser.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + dir.resolve("profile"), "--enable-logging=stderr", "--v=0"));
        cmd.addAll(List.of(args));
        File out = dir.resolve("chromium.out").toFile(), err = dir.resolve("chromium.err").toFile();
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + String.join(" ", cmd));
        }
        return new Chromium(Files.readString(out.toPath()), Files.readString(err.toPath()));
    }

    private static List<String> consoleMessages(String stderr) {
        return stderr.lines().filter(l -> l.contains("CONSOLE")).toList();
    }

    private static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 7) for (int x = 0; x < image.getWidth(); x += 7) colours.add(image.getRGB(x, y));
        return colours.size();
    }
}
