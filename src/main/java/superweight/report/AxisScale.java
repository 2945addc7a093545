package superweight.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps data values onto [0, 1] along an axis and chooses its ticks. A linear axis spans whole tick steps
 * (1, 2 or 5 times a power of ten). A logarithmic axis whose values span a decade or more runs from the decade
 * below the smallest value to the decade above the largest, with a tick at every decade (and at 2x and 5x when
 * there are at most two decades); narrower log ranges get padded bounds and plain ticks.
 */
record AxisScale(double min, double max, boolean log, List<Double> ticks) {
    private static final int TARGET_TICKS = 5;

    static AxisScale of(List<Double> values, boolean log, boolean includeZero, boolean integer) {
        List<Double> usable = values.stream().filter(v -> accepts(v, log)).toList();
        return log ? logarithmic(usable) : linear(usable, includeZero, integer);
    }

    static boolean accepts(double v, boolean log) {
        return Double.isFinite(v) && (!log || v > 0);
    }

    boolean accepts(double v) {
        return accepts(v, log);
    }

    /** Where v lies between the axis bounds: 0 at min, 1 at max. */
    double unit(double v) {
        return log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min)) : (v - min) / (max - min);
    }

    private static AxisScale linear(List<Double> v, boolean includeZero, boolean integer) {
        double lo = v.stream().mapToDouble(d -> d).min().orElse(0), hi = v.stream().mapToDouble(d -> d).max().orElse(1);
        if (includeZero) {
            lo = Math.min(lo, 0);
            hi = Math.max(hi, 0);
        }
        if (lo == hi) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / TARGET_TICKS);
        if (integer) step = Math.max(1, Math.round(step));
        double first = Math.floor(lo / step), last = Math.ceil(hi / step);
        List<Double> ticks = new ArrayList<>();
        for (double k = first; k <= last; k++) ticks.add(round(k * step));
        return new AxisScale(first * step, last * step, false, ticks);
    }

    private static AxisScale logarithmic(List<Double> v) {
        double lo = v.stream().mapToDouble(d -> d).min().orElse(1), hi = v.stream().mapToDouble(d -> d).max().orElse(10);
        double ll = Math.log10(lo), lh = Math.log10(hi);
        List<Double> ticks = new ArrayList<>();
        if (lh - ll >= 1) {
            int e0 = (int) Math.floor(ll), e1 = (int) Math.ceil(lh);
            for (int e = e0; e <= e1; e++) {
                ticks.add(Math.pow(10, e));
                if (e1 - e0 <= 2 && e < e1) {
                    ticks.add(2 * Math.pow(10, e));
                    ticks.add(5 * Math.pow(10, e));
                }
            }
            return new AxisScale(Math.pow(10, e0), Math.pow(10, e1), true, ticks);
        }
        double pad = lh == ll ? 0.1 : 0.05 * (lh - ll);
        double min = Math.pow(10, ll - pad), max = Math.pow(10, lh + pad);
        double step = niceStep((max - min) / TARGET_TICKS);
        for (double k = Math.ceil(min / step); k * step <= max; k++) ticks.add(round(k * step));
        return new AxisScale(min, max, true, ticks);
    }

    /** 1, 2 or 5 times a power of ten, close to {@code raw}. */
    static double niceStep(double raw) {
        double e = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / e;
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * e;
    }

    private static double round(double v) {
        return v == 0 ? 0 : new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }

    /** A tick label: up to 4 significant digits, plain ("0.25", "1000"), or "1.5e6" / "2e-4" outside [1e-3, 1e5). */
    static String label(double v) {
        if (v == 0) return "0";
        BigDecimal b = new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros();
        double a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3) {
            int exp = b.precision() - b.scale() - 1;
            return b.movePointLeft(exp).stripTrailingZeros().toPlainString() + "e" + exp;
        }
        return b.toPlainString();
    }
}
