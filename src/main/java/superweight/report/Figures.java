package superweight.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import superweight.analysis.LayerMaximum;

import java.awt.Color;
import java.util.List;
import java.util.Map;

/** The analysis figures of the paper, drawn with JFreeChart. */
public final class Figures {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf), new Color(0x7f7f7f)};

    static {
        ChartFiles.headless();
    }

    private Figures() {
    }

    /**
     * The paper's Figure 3: per layer, max |down_proj input| or max |down_proj output|, for the original model and
     * with the detected super weights removed.
     */
    public static JFreeChart layerMaxima(String model, boolean input, List<LayerMaximum> before, List<LayerMaximum> after) {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(series("original", before, input));
        if (after != null) data.addSeries(series("super weights removed", after, input));
        String what = input ? "input" : "output";
        return lines(model + ": max |down_proj " + what + "| per layer", "layer", "max |activation|", data, false, true);
    }

    private static XYSeries series(String name, List<LayerMaximum> maxima, boolean input) {
        XYSeries s = new XYSeries(name);
        for (LayerMaximum m : maxima) s.add(m.layer(), Math.abs(input ? m.maxIn() : m.maxOut()));
        return s;
    }

    /** Curves y(x), one per name; {@code logY} for perplexity-like values. */
    public static JFreeChart curves(String title, String xLabel, String yLabel, Map<String, double[][]> points, boolean logY) {
        XYSeriesCollection data = new XYSeriesCollection();
        points.forEach((name, xy) -> {
            XYSeries s = new XYSeries(name, false);
            for (double[] p : xy) if (Double.isFinite(p[1]) && (!logY || p[1] > 0)) s.add(p[0], p[1]);
            data.addSeries(s);
        });
        return lines(title, xLabel, yLabel, data, logY, false);
    }

    /**
     * The paper's Figure 7: a metric against block size (elements, logarithmic axis), one curve per quantization
     * method; {@code logY} for perplexity.
     */
    public static JFreeChart blockSizeCurves(String title, String yLabel, Map<String, double[][]> points, boolean logY) {
        JFreeChart chart = curves(title, "block size (elements)", yLabel, points, logY);
        LogAxis x = new LogAxis("block size (elements)");
        x.setBase(2);
        x.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        chart.getXYPlot().setDomainAxis(x);
        return chart;
    }

    private static JFreeChart lines(String title, String x, String y, XYSeriesCollection data, boolean logY, boolean integerX) {
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        plot.setRenderer(r);
        if (integerX) plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (logY) {
            LogAxis axis = new LogAxis(y);
            axis.setSmallestValue(1e-3);
            // Plain numbers at the ticks (5.7, 100, 1000), not powers of ten with fractional exponents.
            axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.###"));
            plot.setRangeAxis(axis);
        }
        return chart;
    }

    /** Grouped bars: for each category (token), one bar per series (e.g. original / super weights removed). */
    public static JFreeChart bars(String title, String category, String value, List<String> categories, Map<String, double[]> series) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        series.forEach((name, values) -> {
            for (int i = 0; i < categories.size(); i++) data.addValue(values[i], name, categories.get(i));
        });
        JFreeChart chart = ChartFactory.createBarChart(title, category, value, data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        for (int i = 0; i < series.size(); i++) plot.getRenderer().setSeriesPaint(i, PALETTE[i % PALETTE.length]);
        return chart;
    }
}
