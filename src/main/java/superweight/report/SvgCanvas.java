package superweight.report;

import java.util.Locale;

/** Writes the drawing as a small standalone SVG document; coordinates with one decimal, so output is deterministic. */
final class SvgCanvas implements Canvas {
    private static final String FONT = "DejaVu Sans, Verdana, Arial, sans-serif";
    private final StringBuilder sb = new StringBuilder();

    SvgCanvas(int width, int height, String title) {
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" font-family=\"").append(FONT).append("\">\n");
        sb.append("<title>").append(escape(title)).append("</title>\n");
    }

    String document() {
        return sb + "</svg>\n";
    }

    @Override
    public void begin(String cssClass, String name) {
        sb.append("<g class=\"").append(cssClass).append('"');
        if (!name.isEmpty()) sb.append(" data-name=\"").append(escape(name)).append('"');
        sb.append(">\n");
    }

    @Override
    public void end() {
        sb.append("</g>\n");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int rgb, double width, String cssClass) {
        sb.append("<line class=\"").append(cssClass).append("\" x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1))
                .append("\" x2=\"").append(n(x2)).append("\" y2=\"").append(n(y2)).append("\" stroke=\"").append(color(rgb))
                .append("\" stroke-width=\"").append(n(width)).append("\"/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, int rgb, double width) {
        sb.append("<polyline fill=\"none\" stroke=\"").append(color(rgb)).append("\" stroke-width=\"").append(n(width))
                .append("\" stroke-linejoin=\"round\" points=\"");
        for (int i = 0; i < xs.length; i++) sb.append(i == 0 ? "" : " ").append(n(xs[i])).append(',').append(n(ys[i]));
        sb.append("\"/>\n");
    }

    @Override
    public void rect(double x, double y, double w, double h, int fill, int stroke, String cssClass) {
        sb.append("<rect class=\"").append(cssClass).append("\" x=\"").append(n(x)).append("\" y=\"").append(n(y))
                .append("\" width=\"").append(n(w)).append("\" height=\"").append(n(h)).append("\" fill=\"")
                .append(fill < 0 ? "none" : color(fill)).append('"');
        if (stroke >= 0) sb.append(" stroke=\"").append(color(stroke)).append('"');
        sb.append("/>\n");
    }

    @Override
    public void circle(double cx, double cy, double r, int rgb) {
        sb.append("<circle cx=\"").append(n(cx)).append("\" cy=\"").append(n(cy)).append("\" r=\"").append(n(r))
                .append("\" fill=\"").append(color(rgb)).append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, double size, Anchor anchor, double degrees, boolean bold, String cssClass) {
        sb.append("<text class=\"").append(cssClass).append("\" x=\"").append(n(x)).append("\" y=\"").append(n(y))
                .append("\" font-size=\"").append(n(size)).append("\" fill=\"#222222\" text-anchor=\"")
                .append(switch (anchor) { case START -> "start"; case MIDDLE -> "middle"; case END -> "end"; }).append('"');
        if (bold) sb.append(" font-weight=\"bold\"");
        if (degrees != 0) sb.append(" transform=\"rotate(").append(n(degrees)).append(' ').append(n(x)).append(' ').append(n(y)).append(")\"");
        sb.append('>').append(escape(s)).append("</text>\n");
    }

    private static String n(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    private static String color(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }

    /** XML text: markup characters escaped, characters XML 1.0 cannot hold (control bytes, lone surrogates) as U+FFFD. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> {
                    boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) {
                        b.append(c).append(s.charAt(++i));
                    } else if ((c < 0x20 && c != '\t') || Character.isSurrogate(c) || c == 0xfffe || c == 0xffff) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
