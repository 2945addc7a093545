package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.analysis.SuperWeight;
import superweight.model.Model;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ZSearchTest {
    /** int4 of one block over all of w after clamping |w| at mean + z * std (unbiased) of |w|: written out here, independently. */
    private static float[] referenceQuantize(float[] w, double z) {
        double mean = 0;
        for (float v : w) mean += Math.abs(v);
        mean /= w.length;
        double ss = 0;
        for (float v : w) ss += (Math.abs(v) - mean) * (Math.abs(v) - mean);
        float t = (float) (mean + z * Math.sqrt(ss / (w.length - 1)));
        float[] c = new float[w.length];
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int i = 0; i < w.length; i++) {
            c[i] = Math.max(-t, Math.min(t, w[i]));
            min = Math.min(min, c[i]);
            max = Math.max(max, c[i]);
        }
        float s = 15f / (max - min);
        for (int i = 0; i < w.length; i++) c[i] = (float) Math.rint((c[i] - min) * s) / s + min;
        return c;
    }

    @Test
    void picksTheZWithTheSmallestOutputErrorOnAConstructedTensor() {
        // 16 x 64 Gaussian weights with one outlier (12) in column 5, which the activations never use: clipping it is
        // free, clipping ordinary weights is not, and keeping it stretches the grid, so the best z lies inside the grid
        Random rnd = new Random(1);
        int rows = 16, cols = 64, n = 10;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        w[3 * cols + 5] = 12f;
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = i % cols == 5 ? 0f : (float) rnd.nextGaussian();
        double[] grid = ZSearch.grid(0.5, 12, 0.5);
        Tensor t = F32Tensor.of("w", rows, cols, w);
        Tensor[] candidates = new Tensor[grid.length];
        WeightScheme s = new WeightScheme("int4", BlockSize.parse("tensor"), RaggedBlocks.WHOLE, ClipRule.NONE, Float.NaN, false);
        for (int c = 0; c < grid.length; c++) {
            candidates[c] = new FakeQuantTensor(t, BlockStatistics.of(t, WeightQuantizer.layout(t, s), ClipRule.zScore(grid[c])), s.codeBook());
        }
        double[] got = ZSearch.error(new ZSearch.Target(0, t, candidates), x, cols, ZSearch.pick(n, 0));
        double[] expected = new double[grid.length];
        for (int c = 0; c < grid.length; c++) {
            float[] q = referenceQuantize(w, grid[c]);
            for (int p = 0; p < n; p++) {
                for (int r = 0; r < rows; r++) {
                    double d = 0;
                    for (int i = 0; i < cols; i++) d += (double) (q[r * cols + i] - w[r * cols + i]) * x[p * cols + i];
                    expected[c] += d * d;
                }
            }
        }
        for (int c = 0; c < grid.length; c++) assertThat(got[c]).as("z = %s", grid[c]).isCloseTo(expected[c], org.assertj.core.data.Percentage.withPercentage(1e-6));
        int best = ZSearch.argmin(got);
        assertThat(best).isEqualTo(ZSearch.argmin(expected)).isBetween(1, grid.length - 2);
        // the optimum clips the unused outlier (z far below its own z-score of about 14)
        assertThat(grid[best]).isLessThan(6);
    }

    @Test
    void gridAndSubsampleAreWhatTheyClaim() {
        assertThat(ZSearch.grid(4, 16, 0.5)).hasSize(25).startsWith(4.0, 4.5).endsWith(16.0);
        assertThat(ZSearch.pick(512, 4)).containsExactly(0, 128, 256, 384);
        assertThat(ZSearch.pick(3, 4)).containsExactly(0, 1, 2);
    }

    @Test
    void onThePlantedModelRestoringTheSuperWeightLetsTheSearchClipHard() {
        Model m = PlantedModels.build(11);
        List<int[]> windows = List.of(PlantedModels.prompt(1, 12), PlantedModels.prompt(2, 12));
        List<SuperWeight> sw = List.of(new SuperWeight(PlantedModels.LAYER, PlantedModels.ROW, PlantedModels.COL, PlantedModels.SUPER_WEIGHT));
        double[] grid = {2, 4, 8, 16, 64};
        WeightScheme restore = new WeightScheme("int4", BlockSize.parse("65536"), RaggedBlocks.WHOLE, ClipRule.parse("z:auto"), 1f, false);
        WeightScheme noRestore = new WeightScheme("int4", BlockSize.parse("65536"), RaggedBlocks.WHOLE, ClipRule.parse("z:auto"), Float.NaN, false);
        ZSearch.Result with = ZSearch.run(m, restore, sw, windows, grid, false, 0), without = ZSearch.run(m, noRestore, sw, windows, grid, false, 0);
        assertThat(with.chosen()).hasSize(14);
        assertThat(with.positions()).isEqualTo(24);
        // without restore every z clips the SW (2 against mean + z std of about 0.016 + 64 x 0.012 = 0.78 at most): the
        // super activation (x ~ 100 at BOS) times the clipped SW is by far the largest output error, so the search takes
        // the z that clips it least
        assertThat(without.chosen().get("layers.1.down")).isEqualTo(64.0);
        // with restore the SW's error is zero whatever z is, and a tight grid wins
        assertThat(with.chosen().get("layers.1.down")).isLessThan(16.0);
        WeightQuantizer.Result q = WeightQuantizer.apply(m, restore, sw, with.chosen());
        assertThat(q.key()).contains("clip=z:auto", "layers.1.down=" + with.chosen().get("layers.1.down"));
    }
}
