package superweight.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    @Test
    void textIsEscapedSoModelNamesCannotInjectMarkup() {
        String html = new HtmlReport("a<b & \"c\"").section("s", "x > y").paragraph("<script>alert(1)</script>")
                .table("t", List.of("h&"), List.of(List.of("<i>"))).endSection().html();
        assertThat(html).contains("<title>a&lt;b &amp; &quot;c&quot;</title>", "x &gt; y", "&lt;script&gt;alert(1)&lt;/script&gt;", "h&amp;", "&lt;i&gt;")
                .doesNotContain("<script>", "<i>");
    }

    @Test
    void charactersXmlCannotHoldBecomeReplacementCharacters() {
        // a token that decodes to a control byte (\u0002), a lone surrogate; tab, newline, emoji and CJK stay
        String cell = new HtmlReport("t").paragraph("a\u0002b\uD800c\td\ne\uD83D\uDE00\u65E5").html();
        assertThat(cell).contains("<p>a\uFFFDb\uFFFDc\td\ne\uD83D\uDE00\u65E5</p>");
    }

    @Test
    void numbersAreRightAlignedAndTextLeftAligned() {
        String html = new HtmlReport("t").table("t", List.of("a", "b", "c", "d"), List.of(List.of("prune-sw", "1.5e+03", "8/8", "12.5%"))).html();
        assertThat(html).contains("<td class=\"text\">prune-sw</td><td>1.5e+03</td><td>8/8</td><td>12.5%</td>");
    }

    @Test
    void aFigureIsTheChartsSvgInline() {
        Chart c = Figures.curves("curve", "x", "y", java.util.Map.of("s", new double[][]{{1, 2}, {2, 3}}), false);
        assertThat(new HtmlReport("t").figure("f", c, "cap").html()).contains("<figure id=\"f\">\n" + ChartFiles.svg(c) + "<figcaption>cap</figcaption>");
    }
}
