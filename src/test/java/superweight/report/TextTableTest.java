package superweight.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TextTableTest {
    @Test
    void alignsTextLeftAndNumbersRight() {
        String t = new TextTable("name", "value").row("prune-sw", "1.5").row("original", "1234.5").row("x", null).toString();
        assertThat(t).isEqualTo("""
                name      value
                --------  ------
                prune-sw     1.5
                original  1234.5
                x              -
                """);
        assertThatThrownBy(() -> new TextTable("a", "b").row("only one")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatsNumbersWithFourSignificantDigits() {
        assertThat(TextTable.num(300.5442709)).isEqualTo("300.5");
        assertThat(TextTable.num(0.9989)).isEqualTo("0.9989");
        assertThat(TextTable.num(3.0)).isEqualTo("3");
        assertThat(TextTable.num(2673.31)).isEqualTo("2673.3");
        assertThat(TextTable.num(4e-5)).isEqualTo("4.000e-05");
        assertThat(TextTable.num(Double.NaN)).isEqualTo("nan");
        assertThat(TextTable.num(Double.POSITIVE_INFINITY)).isEqualTo("inf");
        assertThat(TextTable.percent(0.814)).isEqualTo("81.40%");
    }
}
