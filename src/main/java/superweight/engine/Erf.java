package superweight.engine;

/**
 * The error function to about 1e-13, for exact-erf GELU (Java has no Math.erf): the Maclaurin series below
 * |x| = 3, and the continued fraction of erfc above it.
 */
final class Erf {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    private Erf() {
    }

    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 3) {
            // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double f = ax;
        for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
        double erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        return x > 0 ? 1 - erfc : erfc - 1;
    }
}
