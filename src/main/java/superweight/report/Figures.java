package superweight.report;

import superweight.analysis.LayerMaximum;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The analysis figures of the paper as {@link Chart}s (write them with {@link ChartFiles#save}). */
public final class Figures {
    /** A y axis becomes logarithmic when its positive values span this factor or more. */
    static final double LOG_SPAN = 100;

    private Figures() {
    }

    /**
     * The paper's Figure 3: per layer, max |down_proj input| or max |down_proj output|, for the original model and
     * (when {@code after} is not null) with the detected super weights removed. The y axis is logarithmic when the
     * values span two decades or more, as a super activation among ordinary layers does.
     */
    public static Chart layerMaxima(String model, boolean input, List<LayerMaximum> before, List<LayerMaximum> after) {
        List<Chart.Series> series = new ArrayList<>();
        series.add(series("original", before, input));
        if (after != null) series.add(series("super weights removed", after, input));
        String what = input ? "input" : "output";
        boolean log = spansDecades(series);
        return new Chart.Lines(model + ": max |down_proj " + what + "| per layer", Chart.Axis.linear("layer"),
                new Chart.Axis("max |down_proj " + what + "| (activation value" + (log ? ", log scale)" : ")"), log), series, true);
    }

    private static Chart.Series series(String name, List<LayerMaximum> maxima, boolean input) {
        double[] x = new double[maxima.size()], y = new double[maxima.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = maxima.get(i).layer();
            y[i] = Math.abs(input ? maxima.get(i).maxIn() : maxima.get(i).maxOut());
        }
        return new Chart.Series(name, x, y);
    }

    private static boolean spansDecades(List<Chart.Series> series) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (Chart.Series s : series) {
            for (double v : s.y()) {
                if (v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return hi > 0 && hi / lo >= LOG_SPAN;
    }

    /** Curves y(x), one per name ({@code points}: [x, y] pairs); {@code logY} for perplexity-like values. */
    public static Chart curves(String title, String xLabel, String yLabel, Map<String, double[][]> points, boolean logY) {
        return curves(title, Chart.Axis.linear(xLabel), new Chart.Axis(yLabel, logY), points);
    }

    /**
     * Curves y(x) on any pair of axes, e.g. the block-size sweep of a quantizer (Figure 7): a logarithmic x axis of
     * block sizes and perplexity (log) or accuracy (linear) on y.
     */
    public static Chart curves(String title, Chart.Axis x, Chart.Axis y, Map<String, double[][]> points) {
        List<Chart.Series> series = new ArrayList<>();
        points.forEach((name, xy) -> {
            double[] xs = new double[xy.length], ys = new double[xy.length];
            for (int i = 0; i < xy.length; i++) {
                xs[i] = xy[i][0];
                ys[i] = xy[i][1];
            }
            series.add(new Chart.Series(name, xs, ys));
        });
        return new Chart.Lines(title, x, y, series, false);
    }

    /** Grouped bars: for each category (token), one bar per series (e.g. original / super weights removed). */
    public static Chart bars(String title, String category, String value, List<String> categories, Map<String, double[]> series) {
        List<Chart.Series> s = new ArrayList<>();
        series.forEach((name, values) -> s.add(new Chart.Series(name, new double[values.length], values)));
        return new Chart.Bars(title, category, Chart.Axis.linear(value), categories, s);
    }

    /**
     * |activation| over channels (rows) x positions (columns), e.g. around the super activation; the colour scale is
     * logarithmic when the magnitudes span two decades or more.
     */
    public static Chart activationHeatmap(String title, List<String> positions, List<String> channels, double[][] values) {
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        double[][] abs = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            abs[r] = new double[values[r].length];
            for (int k = 0; k < values[r].length; k++) {
                double a = Math.abs(values[r][k]);
                abs[r][k] = a;
                if (a > 0 && Double.isFinite(a)) {
                    lo = Math.min(lo, a);
                    hi = Math.max(hi, a);
                }
            }
        }
        boolean log = hi > 0 && hi / lo >= LOG_SPAN;
        return new Chart.Heatmap(title, "position (token)", positions, "channel", channels, abs,
                "|activation|" + (log ? " (log scale)" : ""), log);
    }
}
