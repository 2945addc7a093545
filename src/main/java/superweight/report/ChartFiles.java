package superweight.report;

import superweight.SuperweightException;
import superweight.io.AtomicOutput;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/** Renders a {@link Chart} as SVG text and as a PNG image (the same layout and drawing calls) and writes both. */
public final class ChartFiles {
    public static final int WIDTH = ChartLayout.WIDTH, HEIGHT = ChartLayout.HEIGHT;

    private ChartFiles() {
    }

    /** Writes {@code base}.png and {@code base}.svg into dir and returns both paths. */
    public static List<Path> save(Chart chart, Path dir, String base) {
        Path png = dir.resolve(base + ".png"), svg = dir.resolve(base + ".svg");
        BufferedImage image = png(chart);
        AtomicOutput.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) throw new SuperweightException(png + ": no PNG writer in this Java runtime");
        });
        AtomicOutput.writeString(svg, svg(chart));
        return List.of(png, svg);
    }

    /** The chart as a standalone SVG document (also embeddable inline in HTML). */
    public static String svg(Chart chart) {
        SvgCanvas c = new SvgCanvas(WIDTH, HEIGHT, chart.title());
        ChartLayout.draw(chart, c);
        return c.document();
    }

    /** The chart painted into a WIDTH x HEIGHT image. */
    public static BufferedImage png(Chart chart) {
        PngCanvas c = new PngCanvas(WIDTH, HEIGHT);
        ChartLayout.draw(chart, c);
        return c.image();
    }
}
