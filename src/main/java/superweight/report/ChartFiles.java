package superweight.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import superweight.SuperweightException;
import superweight.io.AtomicOutput;

import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a chart as PNG and SVG side by side, headless. */
public final class ChartFiles {
    public static final int WIDTH = 800, HEIGHT = 500;

    static {
        headless();
    }

    /** Charts are drawn off-screen; this must hold before AWT initialises (both chart classes call it first). */
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private ChartFiles() {
    }

    /** Writes {@code base}.png and {@code base}.svg into dir and returns both paths. */
    public static List<Path> save(JFreeChart chart, Path dir, String base) {
        try {
            Files.createDirectories(dir);
            Path png = dir.resolve(base + ".png"), svg = dir.resolve(base + ".svg");
            AtomicOutput.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
            SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
            chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
            AtomicOutput.writeString(svg, g.getSVGDocument());
            return List.of(png, svg);
        } catch (IOException e) {
            throw new SuperweightException(dir + ": cannot write chart " + base + " (" + e.getMessage() + ")", e);
        }
    }
}
