package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The vector kernels on every length from 0 to past two 4-vector slabs at the widest species (512 bits: 16 lanes,
 * slabs of 64), at non-zero offsets, against double-precision scalar references, so that every loop (slabs, single
 * vectors, scalar tail) runs at every width Surefire uses, and runs more than once.
 */
class VectorMathSizesTest {
    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void dotOfEveryLength() {
        Random r = new Random(1);
        float[] a = gaussian(r, 200), b = gaussian(r, 200);
        for (int n = 0; n <= 160; n++) {
            double want = 0;
            for (int i = 0; i < n; i++) want += (double) a[3 + i] * b[5 + i];
            assertThat((double) VectorMath.dot(a, 3, b, 5, n)).as("n=%d", n).isCloseTo(want, within(1e-5 * (1 + Math.sqrt(n))));
        }
    }

    /**
     * The lane sum is the pairwise tree ((l0 + l1) + (l2 + l3)) + ... at every width the species can have (4, 8 and 16
     * lanes, so the 128- and 512-bit paths run in every surefire execution). Lanes of mixed magnitude make other
     * orders round differently, and the test checks, order by order and width by width, that they do on its own
     * data (left to right; pairs left to right as before session 13, which at 4 lanes is this tree), so an
     * implementation in another order fails; a lane left out or counted twice changes the sum.
     */
    @Test
    void laneSumIsAPairwiseTree() {
        Random r = new Random(4);
        for (var species : java.util.List.of(jdk.incubator.vector.FloatVector.SPECIES_128, jdk.incubator.vector.FloatVector.SPECIES_256,
                jdk.incubator.vector.FloatVector.SPECIES_512)) {
            int n = species.length(), leftToRightDiffers = 0, pairsDiffer = 0;
            for (int trial = 0; trial < 200; trial++) {
                float[] lanes = new float[n];
                for (int i = 0; i < n; i++) lanes[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
                float want = tree(lanes, 0, n), leftToRight = 0, pairs = 0;
                for (int i = 0; i < n; i++) leftToRight += lanes[i];
                for (int i = 0; i < n; i += 2) pairs = pairs + (lanes[i] + lanes[i + 1]);
                if (Float.compare(leftToRight, want) != 0) leftToRightDiffers++;
                if (Float.compare(pairs, want) != 0) pairsDiffer++;
                float got = VectorMath.sum(jdk.incubator.vector.FloatVector.fromArray(species, lanes, 0));
                assertThat(Float.floatToRawIntBits(got)).as("%d lanes, trial %d", n, trial).isEqualTo(Float.floatToRawIntBits(want));
            }
            assertThat(leftToRightDiffers).as("%d lanes: trials where left to right rounds differently", n).isGreaterThan(20);
            // at 4 lanes the former pairs-left-to-right order is this tree
            if (n > 4) assertThat(pairsDiffer).as("%d lanes: trials where pairs left to right round differently", n).isGreaterThan(20);
        }
    }

    private static float tree(float[] v, int from, int n) {
        return n == 1 ? v[from] : tree(v, from, n / 2) + tree(v, from + n / 2, n / 2);
    }

    @Test
    void weightedRowSumBeyondTheFirstSlab() {
        Random r = new Random(2);
        int n = 151, rows = 9, stride = n + 4, from = 2, mo = 3, oo = 5;
        float[] p = gaussian(r, rows), m = gaussian(r, rows * stride + mo);
        float[] out = new float[n + oo + 1];
        VectorMath.weightedRowSum(p, from, rows, m, mo, stride, out, oo, n);
        for (int c = 0; c < n; c++) {
            double s = 0;
            for (int j = from; j < rows; j++) s += (double) p[j] * m[mo + j * stride + c];
            assertThat(out[oo + c]).as("c=%d", c).isCloseTo((float) s, within(1e-5f));
        }
        assertThat(out[0]).isZero();
        assertThat(out[oo + n]).isZero();
    }

    @Test
    void columnDotsBeyondTheFirstSlab() {
        Random r = new Random(3);
        int k = 7, stride = 170, from = 4, to = 155, mo = 6, oo = 2;   // 151 columns
        float[] a = gaussian(r, k + 1), m = gaussian(r, k * stride + mo + 1);
        float[] out = new float[to - from + oo + 1];
        VectorMath.columnDots(a, 1, k, m, mo, stride, from, to, out, oo);
        for (int j = from; j < to; j++) {
            double s = 0;
            for (int d = 0; d < k; d++) s += (double) a[1 + d] * m[mo + d * stride + j];
            assertThat(out[oo + j - from]).as("j=%d", j).isCloseTo((float) s, within(1e-5f));
        }
        assertThat(out[oo - 1]).isZero();
        assertThat(out[out.length - 1]).isZero();
    }
}
