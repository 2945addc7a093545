package superweight.report;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns (numbers right-aligned), for terminal output. */
public final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public TextTable(String... header) {
        this.header = List.of(header);
    }

    public TextTable row(Object... cells) {
        if (cells.length != header.size()) throw new IllegalArgumentException(cells.length + " cells for " + header.size() + " columns");
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(c == null ? "-" : c.toString());
        rows.add(r);
        return this;
    }

    public int size() {
        return rows.size();
    }

    @Override
    public String toString() {
        int n = header.size();
        int[] w = new int[n];
        boolean[] numeric = new boolean[n];
        for (int i = 0; i < n; i++) {
            w[i] = header.get(i).length();
            numeric[i] = !rows.isEmpty();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < n; i++) {
                w[i] = Math.max(w[i], r.get(i).length());
                if (!r.get(i).matches("[-+]?[0-9.eE+\\-%x]+|-|inf|nan|NaN|Infinity")) numeric[i] = false;
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w, new boolean[n]);
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : "  ").append("-".repeat(w[i]));
        sb.append('\n');
        for (List<String> r : rows) line(sb, r, w, numeric);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w, boolean[] right) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) l.append("  ");
            String c = cells.get(i);
            String pad = " ".repeat(w[i] - c.length());
            l.append(right[i] ? pad + c : c + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    /** A number with 4 significant digits, or plain for large values ("1234.5" -> "1235"). */
    public static String num(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) return String.format(java.util.Locale.ROOT, "%.3e", v);
        if (a >= 1000) return String.format(java.util.Locale.ROOT, "%.1f", v);
        return String.format(java.util.Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }

    public static String percent(double p) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", 100 * p);
    }
}
