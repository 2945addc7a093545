package superweight.report;

import java.util.List;

/**
 * One self-contained HTML page: inline CSS, every figure as inline SVG drawn from the same {@link Chart} as its
 * PNG/SVG files, no scripts and nothing fetched from the network, so it opens offline and prints as it looks.
 */
public final class HtmlReport {
    private static final String CSS = """
            body{font-family:DejaVu Sans,Verdana,Arial,sans-serif;max-width:1000px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.4}
            h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #bbb;margin-top:1.6em}
            table{border-collapse:collapse;margin:.6em 0;font-size:.9em}th,td{border:1px solid #bbb;padding:.2em .5em;text-align:right}
            th{background:#eee}td:first-child,th:first-child,td.text{text-align:left}
            .run{background:#f4f4f4;border-left:4px solid #888;padding:.4em .8em;font-size:.9em}
            .note{background:#fff4d6;border-left:4px solid #d89a00;padding:.4em .8em}
            .synthetic{background:#ffe0e0;border:2px solid #c00;padding:.5em .8em;font-weight:bold}
            figure{margin:1em 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}figcaption{font-size:.9em;color:#444}
            section{page-break-inside:auto}
            """;
    /** Cells that read as numbers (1.5, -3e+02, 8/8, 12%) are right-aligned, text cells left-aligned. */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[-+]?[0-9][0-9.,eE+/%-]*|NaN");
    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlReport(String title) {
        this.title = title;
        body.append("<h1>").append(escape(title)).append("</h1>\n");
    }

    /** A boxed warning that the model is synthetic (shown at the top and in every section that has numbers). */
    public HtmlReport synthetic(String text) {
        body.append("<p class=\"synthetic\">").append(escape(text)).append("</p>\n");
        return this;
    }

    public HtmlReport section(String id, String heading) {
        body.append("<section id=\"").append(escape(id)).append("\">\n<h2>").append(escape(heading)).append("</h2>\n");
        return this;
    }

    public HtmlReport endSection() {
        body.append("</section>\n");
        return this;
    }

    /** What was run, so a reader can reproduce it. */
    public HtmlReport run(String text) {
        body.append("<p class=\"run\"><b>What was run:</b> ").append(escape(text)).append("</p>\n");
        return this;
    }

    /** An honesty note next to numbers a reader could misread. */
    public HtmlReport note(String text) {
        body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    public HtmlReport table(String id, List<String> header, List<List<String>> rows) {
        body.append("<table id=\"").append(escape(id)).append("\">\n<tr>");
        for (String h : header) body.append("<th>").append(escape(h)).append("</th>");
        body.append("</tr>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            for (String c : r) body.append(NUMBER.matcher(c).matches() ? "<td>" : "<td class=\"text\">").append(escape(c)).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** The chart inline (the same SVG text as its .svg file) with a caption naming the files. */
    public HtmlReport figure(String id, Chart chart, String caption) {
        body.append("<figure id=\"").append(escape(id)).append("\">\n").append(ChartFiles.svg(chart))
                .append("<figcaption>").append(escape(caption)).append("</figcaption>\n</figure>\n");
        return this;
    }

    public String html() {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>" + escape(title)
                + "</title>\n<style>\n" + CSS + "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
    }

    /** Markup characters escaped; characters XML 1.0 cannot hold (control bytes such as a token's \u0002, lone surrogates) as U+FFFD. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) b.append(c).append(s.charAt(++i));
                    else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || Character.isSurrogate(c) || c == 0xfffe || c == 0xffff) b.append('\uFFFD');
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
