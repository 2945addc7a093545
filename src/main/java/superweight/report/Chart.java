package superweight.report;

import java.util.List;

/**
 * What a figure shows, as data: the one drawing model behind both outputs ({@link ChartFiles} renders it as SVG
 * text and as a PNG image through the same layout), so the report and the image files always agree.
 */
public sealed interface Chart permits Chart.Lines, Chart.Bars, Chart.Heatmap {
    String title();

    /** An axis: its label (with the unit) and whether values are placed on a logarithmic scale. */
    record Axis(String label, boolean log) {
        public static Axis linear(String label) {
            return new Axis(label, false);
        }

        public static Axis logarithmic(String label) {
            return new Axis(label, true);
        }
    }

    /** One named curve; a NaN (or, on a log axis, a value &lt;= 0) leaves a gap. */
    record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
        }
    }

    /** Curves y(x) with markers at the points; {@code integerX} puts ticks on whole numbers only (layers). */
    record Lines(String title, Axis x, Axis y, List<Series> series, boolean integerX) implements Chart {
        public Lines {
            series = List.copyOf(series);
        }
    }

    /** Grouped bars: for each category one bar per series ({@code Series.y}, one value per category; x unused). */
    record Bars(String title, String categoryLabel, Axis value, List<String> categories, List<Series> series) implements Chart {
        public Bars {
            categories = List.copyOf(categories);
            series = List.copyOf(series);
            for (Series s : series) {
                if (s.y().length != categories.size()) {
                    throw new IllegalArgumentException(s.name() + ": " + s.y().length + " values for " + categories.size() + " categories");
                }
            }
        }
    }

    /**
     * A colour map of {@code values[row][column]} (for example |activation| over channels x positions), columns
     * along x, rows along y (row 0 at the top), with a colour bar; {@code logColor} when values span decades.
     */
    record Heatmap(String title, String xLabel, List<String> columns, String yLabel, List<String> rows, double[][] values,
                   String valueLabel, boolean logColor) implements Chart {
        public Heatmap {
            columns = List.copyOf(columns);
            rows = List.copyOf(rows);
            if (values.length != rows.size()) throw new IllegalArgumentException(values.length + " value rows for " + rows.size() + " row labels");
            for (double[] r : values) {
                if (r.length != columns.size()) throw new IllegalArgumentException(r.length + " values in a row for " + columns.size() + " columns");
            }
        }
    }
}
