package superweight.engine;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The decoder's calling contract on the llama fixture (3 layers, hidden 64, intermediate 176, vocabulary 320, RMSNorm
 * eps 1e-5): which positions get logits, which tokens are accepted, what the residual tap sees (checked by turning the
 * last layer's residual into logits by hand: RMSNorm, final-norm weight, lm head), and overrides and output hooks
 * in a decode step addressed by absolute position.
 */
class DecoderCallsTest {
    @AutoClose
    private static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("llama"));
    private static final Model model = LOADED.model();

    private static List<Integer> scoredPositions(Transformer t, InferenceState st, int[] tokens, int logitsFrom) {
        List<Integer> positions = new ArrayList<>();
        t.forward(st, tokens, Taps.NONE, Interventions.NONE, logitsFrom, (p, l, o) -> positions.add(p));
        return positions;
    }

    @Test
    void logitsFromPicksThePositionsAndAnEmptyCallDoesNothing() {
        Transformer t = new Transformer(model);
        InferenceState st = t.newState(16);
        assertThat(scoredPositions(t, st, new int[]{1, 5, 9}, 3)).isEmpty();
        assertThat(st.length()).isEqualTo(3);
        assertThat(scoredPositions(t, st, new int[]{2, 6}, 1)).containsExactly(4);
        assertThat(scoredPositions(t, st, new int[]{7, 8, 10}, -4)).containsExactly(5, 6, 7);
        assertThat(scoredPositions(t, st, new int[0], 0)).isEmpty();
        assertThat(st.length()).isEqualTo(8);
        assertThat(scoredPositions(t, st, new int[]{11}, 0)).containsExactly(8);
    }

    @Test
    void tokensOutsideTheVocabularyAreRefused() {
        Transformer t = new Transformer(model);
        assertThatThrownBy(() -> t.logits(new int[]{1, 320})).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token id 320 outside vocabulary of 320");
        assertThatThrownBy(() -> t.logits(new int[]{-1})).hasMessage("token id -1 outside vocabulary of 320");
        assertThat(t.logits(new int[]{0, 319})).hasSize(2 * 320).doesNotContain(Float.NaN);
        Model bert = ModelLoader.load(Fixtures.arch("bert").resolve("model.safetensors"));
        try {
            assertThatThrownBy(() -> new Transformer(bert)).hasMessageContaining("encoder has no causal language-model head");
            assertThat(new Encoder(bert).hiddenStates(new int[]{0})).hasSize(64);   // id 0 is in the encoder's vocabulary too
        } finally {
            bert.checkpoint().close();
        }
    }

    @Test
    void theLastResidualThroughTheFinalNormAndHeadIsTheLogits() {
        int[] tokens = {1, 197, 218, 67, 201};
        int d = 64, vocab = 320, n = tokens.length;
        float[][] residual = new float[3][];
        int[] starts = new int[3];
        Taps tap = new Taps() {
            @Override
            public void residual(int layer, int start, float[] h, int count, int dim) {
                residual[layer] = Arrays.copyOf(h, count * dim);
                starts[layer] = start;
            }
        };
        Transformer t = new Transformer(model);
        float[] logits = t.logits(tokens, tap, Interventions.NONE);
        float[] norm = model.finalNorm();
        for (int p = 0; p < n; p++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += (double) residual[2][p * d + j] * residual[2][p * d + j];
            double r = 1 / Math.sqrt(ss / d + 1e-5);
            for (int v = 0; v < vocab; v += 37) {
                double want = 0;
                for (int j = 0; j < d; j++) want += model.lmHead().get(v, j) * residual[2][p * d + j] * r * norm[j];
                assertThat((double) logits[p * vocab + v]).as("position %d token %d", p, v).isCloseTo(want, within(1e-4));
            }
        }
        assertThat(residual[0]).isNotEqualTo(residual[1]);
        // a decode step's tap starts at its absolute position
        InferenceState st = t.newState(8);
        t.forward(st, Arrays.copyOf(tokens, 4), Taps.NONE, Interventions.NONE, 4, (p, l, o) -> { });
        float[] last = Arrays.copyOfRange(residual[2], 4 * d, 5 * d);
        t.forward(st, new int[]{tokens[4]}, tap, Interventions.NONE, 1, (p, l, o) -> { });
        assertThat(starts[2]).isEqualTo(4);
        for (int j = 0; j < d; j++) assertThat(residual[2][j]).isCloseTo(last[j], within(1e-4f));
    }

    @Test
    void overridesAndOutputHooksInADecodeStepUseAbsolutePositions() {
        int d = 64, inter = 176;
        Transformer t = new Transformer(model);
        InferenceState st = t.newState(8);
        t.forward(st, new int[]{1, 197, 218}, Taps.NONE, Interventions.NONE, 3, (p, l, o) -> { });
        List<int[]> hookCalls = new ArrayList<>();
        // position 3 is this call's only position; 2 (cached) and 4 (not yet there) are ignored without an error
        Interventions iv = Interventions.NONE.withActivationOverrides(List.of(new ActivationOverride(1, 3, 5, 42f),
                        new ActivationOverride(1, 2, 6, 43f), new ActivationOverride(1, 4, 7, 44f), new ActivationOverride(0, 3, 8, 45f)))
                .withDownProjOutputHook(DownProjOutputHook.of("copy", (layer, start, input, output, n, inDim, outDim) -> {
                    hookCalls.add(new int[]{layer, start, n, inDim, outDim});
                    output[2] = input[0];   // channel 2 := input channel 0, after the overrides
                }));
        float[][] in = new float[3][], out = new float[3][];
        int[] starts = new int[3];
        Taps tap = new Taps() {
            @Override
            public void downProjInput(int layer, int start, float[] x, int n, int dim) {
                in[layer] = Arrays.copyOf(x, n * dim);
            }

            @Override
            public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
                out[layer] = Arrays.copyOf(y, n * dim);
                starts[layer] = start;
            }
        };
        t.forward(st, new int[]{67}, tap, iv, 1, (p, l, o) -> { });
        assertThat(hookCalls).hasSize(3);
        for (int l = 0; l < 3; l++) {
            assertThat(hookCalls.get(l)).containsExactly(l, 3, 1, inter, d);
            assertThat(starts[l]).isEqualTo(3);
            assertThat(out[l][2]).isEqualTo(in[l][0]);
        }
        assertThat(out[1][5]).isEqualTo(42f);
        assertThat(out[1][6]).isNotEqualTo(43f);
        assertThat(out[1][7]).isNotEqualTo(44f);
        assertThat(out[0][8]).isEqualTo(45f);
        assertThat(out[1][8]).isNotEqualTo(45f);
    }
}
