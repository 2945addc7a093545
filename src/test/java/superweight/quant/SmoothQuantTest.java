package superweight.quant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.F32Tensor;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * SmoothQuant's factors against a hand computation, and its folding against the unfolded model: before any
 * quantization, W diag(s) applied to x / s is the same function, so the smoothed model's logits must equal the
 * original's to float tolerance on every family, whether the division is folded into a norm or kept explicit.
 */
class SmoothQuantTest {
    @Test
    void factorsFollowTheFormula() {
        // one layer, q/k/v 1 x 2 each; act max per channel {4, 1}, weight column max over q,k,v {1, 4}
        F32Tensor q = F32Tensor.of("q", 1, 2, new float[]{1f, -2f});
        F32Tensor k = F32Tensor.of("k", 1, 2, new float[]{-0.5f, 4f});
        F32Tensor v = F32Tensor.of("v", 1, 2, new float[]{0.25f, 1f});
        LayerWeights w = new LayerWeights(null, null, q, k, v, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null);
        ActivationStatistics stats = ActivationStatistics.of(Map.of(
                ActivationQuantizer.slot(0, Linear.Q), new float[]{4f, 1f},
                ActivationQuantizer.slot(0, Linear.K), new float[]{4f, 1f},
                ActivationQuantizer.slot(0, Linear.V), new float[]{3f, 0.5f}));
        float[] half = SmoothQuant.factors(w, List.of(Linear.Q, Linear.K, Linear.V), stats, 0, 0.5);
        assertThat(half[0]).isCloseTo(2f, within(1e-6f));     // sqrt(4) / sqrt(1)
        assertThat(half[1]).isCloseTo(0.5f, within(1e-6f));   // sqrt(1) / sqrt(4)
        float[] all = SmoothQuant.factors(w, List.of(Linear.Q, Linear.K, Linear.V), stats, 0, 1.0);
        assertThat(all).containsExactly(4f, 1f);                // alpha = 1: the activation maxima alone
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "phi3", "gemma", "gpt_neox", "olmo", "olmo2", "mistral"})
    void smoothingWithoutQuantizationLeavesTheFunctionUnchanged(String arch) {
        Model m = ModelLoader.load(Fixtures.arch(arch));
        try {
            int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch(arch).resolve("tokens.json")));
            ActivationStatistics stats = ActivationStatistics.collect(m, List.of(tokens), null);
            SmoothQuant.Result r = SmoothQuant.smooth(m, stats, 0.5);
            Map<Long, float[]> div = r.divisors();
            LinearInputHook divide = LinearInputHook.of("divide", (layer, linear, x, n, cols) -> {
                float[] d = div.get(ActivationQuantizer.slot(layer, linear));
                if (d != null) for (int i = 0; i < n; i++) for (int c = 0; c < cols; c++) x[i * cols + c] /= d[c];
            });
            float[] want = new Transformer(m).logits(tokens);
            float[] got = new Transformer(r.model()).logits(tokens, Taps.NONE, Interventions.NONE.withLinearInputHook(divide));
            float scale = 0;
            for (float f : want) scale = Math.max(scale, Math.abs(f));
            assertThat(Fixtures.maxAbsDiff(got, want)).isLessThanOrEqualTo(1e-5f * Math.max(1f, scale));
            // the factors are not all 1, so the check is not vacuous
            assertThat(r.model().layers().get(0).q().get(0, 0)).isNotEqualTo(m.layers().get(0).q().get(0, 0));
            boolean explicit = arch.equals("olmo") || arch.equals("olmo2");
            assertThat(div.isEmpty()).isEqualTo(!explicit);
            assertThat(String.join(" ", r.notes())).contains(explicit ? "explicit scale op" : "folded into the input norm");
            assertThat(r.model().derivation()).singleElement().asString().startsWith("smoothquant{alpha=0.5,");
        } finally {
            m.checkpoint().close();
        }
    }
}
