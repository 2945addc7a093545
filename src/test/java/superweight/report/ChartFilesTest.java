package superweight.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ChartFilesTest {
    @TempDir
    Path tmp;

    private static Chart.Lines lines(boolean logY, double[] ys) {
        double[] xs = new double[ys.length];
        for (int i = 0; i < xs.length; i++) xs[i] = i;
        return new Chart.Lines("decades", Chart.Axis.linear("x (steps)"), new Chart.Axis("y (units)", logY),
                List.of(new Chart.Series("first <&> \u0001", xs, ys)), false);
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> elements(Document d, String tag, String cssClass) {
        List<Element> r = new ArrayList<>();
        NodeList l = d.getElementsByTagName(tag);
        for (int i = 0; i < l.getLength(); i++) {
            Element e = (Element) l.item(i);
            if (cssClass == null || e.getAttribute("class").equals(cssClass)) r.add(e);
        }
        return r;
    }

    private static double num(Element e, String attr) {
        return Double.parseDouble(e.getAttribute(attr));
    }

    private static List<String> texts(Document d, String cssClass) {
        return elements(d, "text", cssClass).stream().map(Element::getTextContent).toList();
    }

    @Test
    void svgIsWellFormedXmlWithTitleSeriesLegendAndAxisLabels() throws Exception {
        Map<String, double[][]> pts = new LinkedHashMap<>();
        pts.put("original", new double[][]{{0, 1}, {1, 2}});
        pts.put("super weights removed", new double[][]{{0, 3}, {1, Double.NaN}});
        Document d = parse(ChartFiles.svg(Figures.curves("ppl vs factor", "scaling factor", "perplexity", pts, false)));
        assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(d.getElementsByTagName("title").item(0).getTextContent()).isEqualTo("ppl vs factor");
        assertThat(elements(d, "g", "series").stream().map(e -> e.getAttribute("data-name"))).containsExactly("original", "super weights removed");
        assertThat(texts(d, "legend-label")).containsExactly("original", "super weights removed");
        assertThat(texts(d, "axis-label-x")).containsExactly("scaling factor");
        assertThat(texts(d, "axis-label-y")).containsExactly("perplexity");
        // the NaN point leaves a gap: the second series has one marker and no line
        Element second = elements(d, "g", "series").get(1);
        assertThat(second.getElementsByTagName("circle").getLength()).isEqualTo(1);
        assertThat(second.getElementsByTagName("polyline").getLength()).isZero();
    }

    @Test
    void markupAndControlCharactersInNamesStillGiveWellFormedXml() throws Exception {
        Document d = parse(ChartFiles.svg(lines(false, new double[]{1, 2})));
        assertThat(elements(d, "g", "series").getFirst().getAttribute("data-name")).isEqualTo("first <&> \uFFFD");
    }

    @Test
    void logAxisPutsEachDecadeAtAnEqualShareOfThePlotHeight() throws Exception {
        // values 1 .. 1000: the axis runs from 1 to 1000, three decades, so 10 sits a third of the way up
        Document d = parse(ChartFiles.svg(lines(true, new double[]{1, 10, 1000})));
        Element area = elements(d, "rect", "plot-area").getFirst();
        double top = num(area, "y"), h = num(area, "height"), bottom = top + h, left = num(area, "x"), w = num(area, "width");
        assertThat(texts(d, "tick-label-y")).containsExactly("1", "10", "100", "1000");
        List<Double> ys = elements(d, "line", "tick-y").stream().map(e -> num(e, "y1")).toList();
        assertThat(ys).hasSize(4);
        for (int k = 0; k < 4; k++) assertThat(ys.get(k)).isCloseTo(bottom - h * k / 3, within(0.06));
        // the data markers: x 0, 1, 2 on a linear 0..2 axis, y at decades 0, 1, 3
        List<Element> c = elements(d, "circle", null);
        assertThat(num(c.get(1), "cx")).isCloseTo(left + w / 2, within(0.06));
        assertThat(num(c.get(1), "cy")).isCloseTo(bottom - h / 3, within(0.06));
        assertThat(num(c.get(2), "cy")).isCloseTo(top, within(0.06));
    }

    @Test
    void logAxisOverTwoDecadesAlsoMarksTwoAndFiveTimesEachDecade() throws Exception {
        Document d = parse(ChartFiles.svg(lines(true, new double[]{1, 100})));
        Element area = elements(d, "rect", "plot-area").getFirst();
        double bottom = num(area, "y") + num(area, "height"), h = num(area, "height");
        assertThat(texts(d, "tick-label-y")).containsExactly("1", "2", "5", "10", "20", "50", "100");
        double y2 = elements(d, "line", "tick-y").get(1).hasAttribute("y1") ? num(elements(d, "line", "tick-y").get(1), "y1") : 0;
        assertThat(y2).isCloseTo(bottom - h * Math.log10(2) / 2, within(0.06));
    }

    @Test
    void tickLabelsArePlainNumbersOrShortExponents() {
        assertThat(AxisScale.label(0.25)).isEqualTo("0.25");
        assertThat(AxisScale.label(1500)).isEqualTo("1500");
        assertThat(AxisScale.label(1e6)).isEqualTo("1e6");
        assertThat(AxisScale.label(2.5e-4)).isEqualTo("2.5e-4");
        assertThat(AxisScale.label(0.1 + 0.2)).isEqualTo("0.3");
        assertThat(AxisScale.niceStep(0.37)).isEqualTo(0.5);
        assertThat(AxisScale.niceStep(23)).isEqualTo(20);
    }

    @Test
    void barHeightsAreProportionalToTheValuesFromZero() throws Exception {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("original", new double[]{0.5, 0.25});
        s.put("pruned", new double[]{0.1, 0.4});
        Document d = parse(ChartFiles.svg(Figures.bars("probabilities", "token", "probability", List.of("'the'", "','"), s)));
        Element area = elements(d, "rect", "plot-area").getFirst();
        double h = num(area, "height"), bottom = num(area, "y") + h;
        List<Element> bars = elements(d, "rect", "bar");
        assertThat(bars).hasSize(4);
        // a 0 .. 0.5 axis: 0.5 fills the plot, 0.25 half of it, and every bar stands on the bottom
        assertThat(num(bars.get(0), "height")).isCloseTo(h, within(0.06));
        assertThat(num(bars.get(1), "height")).isCloseTo(h / 2, within(0.06));
        for (Element b : bars) assertThat(num(b, "y") + num(b, "height")).isCloseTo(bottom, within(0.06));
        assertThat(texts(d, "tick-label-x")).containsExactly("'the'", "','");
    }

    @Test
    void heatmapColoursCellsOnALogScaleWithAColourBar() throws Exception {
        double[][] v = {{1, -10}, {100, 0.0}};
        Document d = parse(ChartFiles.svg(Figures.activationHeatmap("around the super activation", List.of("0", "1"), List.of("c7", "c9"), v)));
        List<Element> cells = elements(d, "rect", "cell");
        assertThat(cells).hasSize(4);
        // |values| 1, 10, 100 span two decades: log colours, 10 in the middle of the map; 0 gets the lowest colour
        assertThat(cells.stream().map(e -> e.getAttribute("fill"))).containsExactly("#440154", "#21918c", "#fde725", "#440154");
        assertThat(texts(d, "axis-label-c")).containsExactly("|activation| (log scale)");
        assertThat(texts(d, "tick-label-y")).containsExactly("c7", "c9");
        assertThat(elements(d, "rect", "color-step")).hasSize(64);
    }

    @Test
    void pngHasThePageSizeAndShowsTheSamePointsAsTheSvg() throws Exception {
        Map<String, double[][]> pts = new LinkedHashMap<>();
        pts.put("a", new double[][]{{0, 1}, {1, 3}, {2, 2}});
        pts.put("b", new double[][]{{0, 4}, {1, 1.5}, {2, 0.5}});
        Chart chart = Figures.curves("two series", "x", "y", pts, false);
        List<Path> files = ChartFiles.save(chart, tmp.resolve("out"), "two");
        assertThat(files).containsExactly(tmp.resolve("out/two.png"), tmp.resolve("out/two.svg"));
        BufferedImage img = ImageIO.read(files.get(0).toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
        int inked = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) inked++;
        assertThat(inked).as("non-white pixels").isGreaterThan(5000);
        Document d = parse(Files.readString(files.get(1)));
        List<Element> groups = elements(d, "g", "series");
        int[] colors = {0x1f77b4, 0xd62728};
        for (int s = 0; s < 2; s++) {
            Element marker = (Element) groups.get(s).getElementsByTagName("circle").item(1);   // inside the frame
            int rgb = img.getRGB((int) Math.round(num(marker, "cx")), (int) Math.round(num(marker, "cy"))) & 0xffffff;
            assertThat(close(rgb, colors[s])).as("pixel %06x at series %d's middle marker", rgb, s).isTrue();
        }
    }

    private static boolean close(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) if (Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)) > 24) return false;
        return true;
    }
}
