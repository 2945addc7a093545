package superweight.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * erf against CPython's math.erf / math.erfc (the C library's implementation, printed with repr), on both sides of
 * the series / continued-fraction switch at |x| = 3; above it the tail 1 - |erf| must also be right, which is what
 * the continued fraction computes.
 */
class ErfTest {
    @ParameterizedTest(name = "erf({0})")
    @CsvSource({
            "0.0, 0.0, 1.0",
            "0.1, 0.1124629160182849, 0.8875370839817152",
            "0.5, 0.5204998778130465, 0.4795001221869535",
            "-0.75, -0.7111556336535151, 0.28884436634648486",
            "1.0, 0.8427007929497149, 0.15729920705028513",
            "1.5, 0.9661051464753108, 0.033894853524689274",
            "2.0, 0.9953222650189527, 0.004677734981047265",
            "2.9, 0.9999589021219005, 4.109787809945886e-05",
            "2.999, 0.9999777698314002, 2.2230168599834058e-05",
            "3.0, 0.9999779095030014, 2.2090496998585438e-05",
            "3.5, 0.9999992569016276, 7.430983723414128e-07",
            "-3.5, -0.9999992569016276, 7.430983723414128e-07",
            "4.0, 0.9999999845827421, 1.541725790028002e-08",
            "5.0, 0.9999999999984626, 1.5374597944280351e-12",
            "-6.0, -1.0, 2.1519736712498916e-17"})
    void matchesTheCLibrary(double x, double erf, double erfcOfAbs) {
        double got = Erf.erf(x);
        assertThat(got).isCloseTo(erf, within(1e-12));
        if (Math.abs(x) >= 3) assertThat(1 - Math.abs(got)).isCloseTo(erfcOfAbs, within(2e-16 + 1e-9 * erfcOfAbs));
    }
}
