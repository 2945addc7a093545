package superweight.quant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.analysis.SuperWeight;
import superweight.analysis.TinyBert;
import superweight.engine.Encoder;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The calibrated schemes on encoders: activation statistics, SmoothQuant and the z search run the encoder's forward
 * pass (the fixture BERT and a Java-built BERT with a planted super weight), checked against values computed here
 * from the encoder's own taps and from the weight quantizer.
 */
class EncoderCalibrationTest {
    @TempDir
    static Path tmp;
    static Model bert, planted;
    static List<int[]> windows;

    @BeforeAll
    static void load() throws IOException {
        bert = ModelLoader.load(Fixtures.arch("bert").resolve("model.safetensors"));
        planted = ModelLoader.load(new TinyBert(42).writeHuggingFace(tmp.resolve("tiny")));
        int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("bert").resolve("reference.json")).get("tokens"));
        windows = List.of(tokens, Arrays.copyOf(tokens, 9), new int[]{101, 200, 201, 202, 102});
    }

    @AfterAll
    static void close() {
        bert.checkpoint().close();
        planted.checkpoint().close();
    }

    /** max |x| per column of every layer's down-projection input, from the encoder's taps. */
    static float[][] downInputMax(Model m, List<int[]> ws) {
        float[][] max = new float[m.config().layers()][m.config().intermediateSize()];
        Taps taps = new Taps() {
            @Override
            public void downProjInput(int layer, int start, float[] x, int n, int dim) {
                for (int i = 0; i < n; i++) for (int c = 0; c < dim; c++) max[layer][c] = Math.max(max[layer][c], Math.abs(x[i * dim + c]));
            }
        };
        for (int[] w : ws) new Encoder(m).hiddenStates(w, taps, Interventions.NONE);
        return max;
    }

    @Test
    void activationStatisticsAreTheEncodersInputMaxima() {
        ActivationStatistics stats = ActivationStatistics.collect(bert, windows, null);
        float[][] expected = downInputMax(bert, windows);
        Map<Long, Float> absmax = stats.tensorAbsmax();
        for (int l = 0; l < bert.config().layers(); l++) {
            assertThat(stats.channelMax(l, Linear.DOWN)).containsExactly(expected[l]);
            float top = 0;
            for (float v : expected[l]) top = Math.max(top, v);
            assertThat(absmax.get(ActivationQuantizer.slot(l, Linear.DOWN))).isEqualTo(top);
            // q, k and v read the same input
            assertThat(stats.channelMax(l, Linear.K)).containsExactly(stats.channelMax(l, Linear.Q));
            assertThat(stats.channelMax(l, Linear.V)).containsExactly(stats.channelMax(l, Linear.Q));
            assertThat(stats.channelMax(l, Linear.UP)).isNotEqualTo(stats.channelMax(l, Linear.Q));
        }
    }

    @Test
    void smoothQuantOnAPostNormEncoderKeepsItsDivisionsExplicitAndTheFunctionUnchanged() {
        ActivationStatistics stats = ActivationStatistics.collect(bert, windows, null);
        SmoothQuant.Result r = SmoothQuant.smooth(bert, stats, 0.5);
        assertThat(r.notes()).anyMatch(n -> n.startsWith("q/k/v inputs: explicit")).anyMatch(n -> n.startsWith("gate/up inputs: explicit"));
        assertThat(r.divisors()).hasSize(4 * bert.config().layers());
        float[] s = r.divisors().get(ActivationQuantizer.slot(1, Linear.UP));
        double far = 0;
        for (float v : s) far = Math.max(far, Math.abs(Math.log(v)));
        assertThat(far).as("the factors are not all about 1, so the check below can fail").isGreaterThan(0.5);
        // the norms are untouched: folding a division into a post-LN norm would scale the residual as well
        for (int l = 0; l < bert.config().layers(); l++) {
            assertThat(r.model().layers().get(l).attnNorm()).containsExactly(bert.layers().get(l).attnNorm());
            assertThat(r.model().layers().get(l).ffnNorm()).containsExactly(bert.layers().get(l).ffnNorm());
        }
        // x / s times W * s: the same hidden states up to rounding
        var divide = new ActivationQuantizer(8, ActivationQuantizer.Granularity.PER_TENSOR, EnumSet.allOf(Linear.class), List.of(), null,
                r.divisors()).preparation();
        float[] original = new Encoder(bert).hiddenStates(windows.getFirst());
        float[] smoothed = new Encoder(r.model()).hiddenStates(windows.getFirst(), Taps.NONE, Interventions.NONE.withLinearInputHook(divide));
        assertThat(Fixtures.maxAbsDiff(smoothed, original)).isLessThan(1e-4f);
        float[] undivided = new Encoder(r.model()).hiddenStates(windows.getFirst());
        assertThat(Fixtures.maxAbsDiff(undivided, original)).isGreaterThan(1e-2f);
    }

    @Test
    void zSearchErrorsOnAnEncoderAreTheOutputErrorsOfTheQuantizedTensors() {
        List<SuperWeight> sws = List.of(new SuperWeight(TinyBert.LAYER, TinyBert.ROW, TinyBert.COL, 4f));
        List<int[]> ws = List.of(TinyBert.prompt(1, 10), TinyBert.prompt(2, 7));
        WeightScheme auto = new WeightScheme("int3", BlockSize.parse("256"), RaggedBlocks.WHOLE, ClipRule.parse("z:auto"), 1f, false);
        double[] grid = {1.5, 3, 6};
        ZSearch.Result r = ZSearch.run(planted, auto, sws, ws, grid, false, 0);
        float[][] x = downInputs(planted, ws, TinyBert.LAYER);
        Tensor w = planted.layers().get(TinyBert.LAYER).down();
        for (int c = 0; c < grid.length; c++) {
            WeightScheme fixed = new WeightScheme("int3", BlockSize.parse("256"), RaggedBlocks.WHOLE, ClipRule.zScore(grid[c]), 1f, false);
            Tensor q = WeightQuantizer.apply(planted, fixed, sws).model().layers().get(TinyBert.LAYER).down();
            double err = 0;
            for (float[] row : x) {
                for (int o = 0; o < w.rows(); o++) {
                    double d = 0;
                    for (int i = 0; i < w.cols(); i++) d += (double) (q.get(o, i) - w.get(o, i)) * row[i];
                    err += d * d;
                }
            }
            assertThat(r.errors().get("layers." + TinyBert.LAYER + ".down")[c]).isCloseTo(err, within(1e-9 + 1e-6 * err));
        }
        assertThat(r.chosen()).containsKey("layers.0.q").hasSize(6 * TinyBert.LAYERS);
    }

    /** Every position's down-projection input of one layer, from the encoder's taps. */
    private static float[][] downInputs(Model m, List<int[]> ws, int layer) {
        List<float[]> rows = new ArrayList<>();
        Taps taps = new Taps() {
            @Override
            public void downProjInput(int l, int start, float[] x, int n, int dim) {
                if (l == layer) for (int i = 0; i < n; i++) rows.add(Arrays.copyOfRange(x, i * dim, (i + 1) * dim));
            }
        };
        for (int[] w : ws) new Encoder(m).hiddenStates(w, taps, Interventions.NONE);
        return rows.toArray(float[][]::new);
    }
}
