package superweight.report;

import superweight.report.Canvas.Anchor;

import java.util.ArrayList;
import java.util.List;

/**
 * Lays a {@link Chart} out on a fixed-size page and draws it through a {@link Canvas}: title, legend, plot frame,
 * grid, ticks, axis labels and the data. Text widths are estimated from character counts (not measured), so the
 * layout is the same for SVG and PNG and does not depend on the fonts installed.
 */
final class ChartLayout {
    static final int WIDTH = 800, HEIGHT = 500;
    static final int[] PALETTE = {0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd, 0x8c564b, 0x17becf, 0x7f7f7f};
    private static final int INK = 0x222222, GRID = 0xdddddd, MISSING = 0xcccccc;
    private static final double LEFT = 80, RIGHT = WIDTH - 24, TOP = 64, BOTTOM = HEIGHT - 58;
    private static final double TICK_FONT = 11, LABEL_FONT = 13;
    /** Viridis at five stops (dark = small, yellow = large): readable in grey print and by colour-blind readers. */
    private static final int[] COLOR_MAP = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

    private ChartLayout() {
    }

    /** The plot area of the chart on the page (where the data is drawn). */
    record Frame(double left, double top, double right, double bottom) {
        double x(AxisScale s, double v) {
            return left + s.unit(v) * (right - left);
        }

        double y(AxisScale s, double v) {
            return bottom - s.unit(v) * (bottom - top);
        }
    }

    static void draw(Chart chart, Canvas g) {
        g.rect(0, 0, WIDTH, HEIGHT, 0xffffff, -1, "background");
        g.text(WIDTH / 2.0, 26, chart.title(), 16, Anchor.MIDDLE, 0, true, "title");
        switch (chart) {
            case Chart.Lines l -> lines(l, g);
            case Chart.Bars b -> bars(b, g);
            case Chart.Heatmap h -> heatmap(h, g);
        }
    }

    static double textWidth(String s, double size) {
        return s.length() * size * 0.6;
    }

    private static void lines(Chart.Lines c, Canvas g) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (Chart.Series s : c.series()) {
            for (int i = 0; i < s.x().length; i++) {
                if (AxisScale.accepts(s.x()[i], c.x().log()) && AxisScale.accepts(s.y()[i], c.y().log())) {
                    xs.add(s.x()[i]);
                    ys.add(s.y()[i]);
                }
            }
        }
        AxisScale sx = AxisScale.of(xs, c.x().log(), false, c.integerX()), sy = AxisScale.of(ys, c.y().log(), false, false);
        Frame f = new Frame(LEFT, TOP, RIGHT, BOTTOM);
        legend(g, c.series().stream().map(Chart.Series::name).toList());
        yAxis(g, f, sy, c.y().label());
        for (double t : sx.ticks()) {
            double x = f.x(sx, t);
            g.line(x, f.top(), x, f.bottom(), GRID, 1, "grid-x");
            g.line(x, f.bottom(), x, f.bottom() + 4, INK, 1, "tick-x");
            g.text(x, f.bottom() + 18, AxisScale.label(t), TICK_FONT, Anchor.MIDDLE, 0, false, "tick-label-x");
        }
        g.text((f.left() + f.right()) / 2, HEIGHT - 16, c.x().label(), LABEL_FONT, Anchor.MIDDLE, 0, false, "axis-label-x");
        for (int k = 0; k < c.series().size(); k++) {
            Chart.Series s = c.series().get(k);
            int color = PALETTE[k % PALETTE.length];
            g.begin("series", s.name());
            List<double[]> run = new ArrayList<>();
            for (int i = 0; i <= s.x().length; i++) {
                boolean ok = i < s.x().length && sx.accepts(s.x()[i]) && sy.accepts(s.y()[i]);
                if (ok) run.add(new double[]{f.x(sx, s.x()[i]), f.y(sy, s.y()[i])});
                if (!ok && !run.isEmpty()) {
                    if (run.size() > 1) g.polyline(run.stream().mapToDouble(p -> p[0]).toArray(), run.stream().mapToDouble(p -> p[1]).toArray(), color, 2);
                    for (double[] p : run) g.circle(p[0], p[1], 3.5, color);
                    run.clear();
                }
            }
            g.end();
        }
        g.rect(f.left(), f.top(), f.right() - f.left(), f.bottom() - f.top(), -1, INK, "plot-area");
    }

    private static void bars(Chart.Bars c, Canvas g) {
        List<Double> vs = new ArrayList<>();
        for (Chart.Series s : c.series()) for (double v : s.y()) vs.add(v);
        AxisScale sy = AxisScale.of(vs, c.value().log(), !c.value().log(), false);
        int n = c.categories().size();
        List<String> labels = c.categories().stream().map(l -> l.length() > 24 ? l.substring(0, 23) + "…" : l).toList();
        double widest = labels.stream().mapToDouble(l -> textWidth(l, TICK_FONT)).max().orElse(0);
        double slot = (RIGHT - LEFT) / Math.max(1, n);
        boolean rotate = widest > slot - 4;
        double bottom = rotate ? HEIGHT - 40 - Math.min(widest * 0.71, 120) : BOTTOM;
        Frame f = new Frame(LEFT, TOP, RIGHT, bottom);
        legend(g, c.series().stream().map(Chart.Series::name).toList());
        yAxis(g, f, sy, c.value().label());
        double base = f.y(sy, sy.log() ? sy.min() : Math.max(sy.min(), Math.min(0, sy.max())));
        double barWidth = slot * 0.8 / Math.max(1, c.series().size());
        for (int k = 0; k < c.series().size(); k++) {
            Chart.Series s = c.series().get(k);
            g.begin("series", s.name());
            for (int i = 0; i < n; i++) {
                if (!sy.accepts(s.y()[i])) continue;
                double x = f.left() + i * slot + slot * 0.1 + k * barWidth, y = f.y(sy, s.y()[i]);
                g.rect(x, Math.min(y, base), barWidth, Math.abs(base - y), PALETTE[k % PALETTE.length], -1, "bar");
            }
            g.end();
        }
        for (int i = 0; i < n; i++) {
            double x = f.left() + (i + 0.5) * slot;
            if (rotate) g.text(x + 4, f.bottom() + 12, labels.get(i), TICK_FONT, Anchor.END, -45, false, "tick-label-x");
            else g.text(x, f.bottom() + 18, labels.get(i), TICK_FONT, Anchor.MIDDLE, 0, false, "tick-label-x");
        }
        g.text((f.left() + f.right()) / 2, HEIGHT - 16, c.categoryLabel(), LABEL_FONT, Anchor.MIDDLE, 0, false, "axis-label-x");
        g.rect(f.left(), f.top(), f.right() - f.left(), f.bottom() - f.top(), -1, INK, "plot-area");
    }

    private static void heatmap(Chart.Heatmap c, Canvas g) {
        List<Double> vs = new ArrayList<>();
        for (double[] r : c.values()) for (double v : r) vs.add(v);
        AxisScale sc = AxisScale.of(vs, c.logColor(), false, false);
        Frame f = new Frame(LEFT, TOP, WIDTH - 120, BOTTOM);
        int rows = c.rows().size(), cols = c.columns().size();
        double cw = (f.right() - f.left()) / Math.max(1, cols), ch = (f.bottom() - f.top()) / Math.max(1, rows);
        g.begin("cells", c.valueLabel());
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                double v = c.values()[r][k];
                int color = Double.isNaN(v) ? MISSING : colorAt(sc.accepts(v) ? clamp(sc.unit(v)) : 0);
                g.rect(f.left() + k * cw, f.top() + r * ch, cw + 0.6, ch + 0.6, color, -1, "cell");   // overlap: no anti-aliased seams
            }
        }
        g.end();
        int everyCol = Math.max(1, (int) Math.ceil(cols / 16.0)), everyRow = Math.max(1, (int) Math.ceil(rows / 16.0));
        for (int k = 0; k < cols; k += everyCol) {
            g.text(f.left() + (k + 0.5) * cw, f.bottom() + 18, c.columns().get(k), TICK_FONT, Anchor.MIDDLE, 0, false, "tick-label-x");
        }
        for (int r = 0; r < rows; r += everyRow) {
            g.text(f.left() - 6, f.top() + (r + 0.5) * ch + 4, c.rows().get(r), TICK_FONT, Anchor.END, 0, false, "tick-label-y");
        }
        g.text((f.left() + f.right()) / 2, HEIGHT - 16, c.xLabel(), LABEL_FONT, Anchor.MIDDLE, 0, false, "axis-label-x");
        g.text(18, (f.top() + f.bottom()) / 2, c.yLabel(), LABEL_FONT, Anchor.MIDDLE, -90, false, "axis-label-y");
        g.rect(f.left(), f.top(), f.right() - f.left(), f.bottom() - f.top(), -1, INK, "plot-area");
        colorBar(g, new Frame(WIDTH - 100, f.top(), WIDTH - 82, f.bottom()), sc, c.valueLabel());
    }

    private static void colorBar(Canvas g, Frame bar, AxisScale sc, String label) {
        int steps = 64;
        double h = (bar.bottom() - bar.top()) / steps;
        g.begin("color-bar", label);
        for (int i = 0; i < steps; i++) {
            g.rect(bar.left(), bar.bottom() - (i + 1) * h, bar.right() - bar.left(), h + 0.6, colorAt((i + 0.5) / steps), -1, "color-step");
        }
        g.end();
        g.rect(bar.left(), bar.top(), bar.right() - bar.left(), bar.bottom() - bar.top(), -1, INK, "color-bar-frame");
        for (double t : sc.ticks()) {
            double y = bar.y(sc, t);
            g.line(bar.right(), y, bar.right() + 4, y, INK, 1, "tick-c");
            g.text(bar.right() + 7, y + 4, AxisScale.label(t), TICK_FONT, Anchor.START, 0, false, "tick-label-c");
        }
        g.text(WIDTH - 12, (bar.top() + bar.bottom()) / 2, label, LABEL_FONT, Anchor.MIDDLE, -90, false, "axis-label-c");
    }

    private static void yAxis(Canvas g, Frame f, AxisScale sy, String label) {
        for (double t : sy.ticks()) {
            double y = f.y(sy, t);
            g.line(f.left(), y, f.right(), y, GRID, 1, "grid-y");
            g.line(f.left() - 4, y, f.left(), y, INK, 1, "tick-y");
            g.text(f.left() - 7, y + 4, AxisScale.label(t), TICK_FONT, Anchor.END, 0, false, "tick-label-y");
        }
        g.text(18, (f.top() + f.bottom()) / 2, label, LABEL_FONT, Anchor.MIDDLE, -90, false, "axis-label-y");
    }

    /** One row of swatches and names, centred under the title. */
    private static void legend(Canvas g, List<String> names) {
        if (names.isEmpty()) return;
        double swatch = 12, gap = 18, total = 0;
        for (String n : names) total += swatch + 6 + textWidth(n, 12) + gap;
        double x = Math.max(8, (WIDTH - total + gap) / 2);
        g.begin("legend", "");
        for (int k = 0; k < names.size(); k++) {
            g.rect(x, 40, swatch, swatch, PALETTE[k % PALETTE.length], -1, "swatch");
            g.text(x + swatch + 6, 50, names.get(k), 12, Anchor.START, 0, false, "legend-label");
            x += swatch + 6 + textWidth(names.get(k), 12) + gap;
        }
        g.end();
    }

    private static double clamp(double u) {
        return Math.max(0, Math.min(1, u));
    }

    /** The colour map at u in [0, 1], linearly between the stops. */
    static int colorAt(double u) {
        double p = clamp(u) * (COLOR_MAP.length - 1);
        int i = Math.min((int) p, COLOR_MAP.length - 2);
        double t = p - i;
        int a = COLOR_MAP[i], b = COLOR_MAP[i + 1], rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int ca = (a >> shift) & 0xff, cb = (b >> shift) & 0xff;
            rgb |= (int) Math.round(ca + t * (cb - ca)) << shift;
        }
        return rgb;
    }
}
