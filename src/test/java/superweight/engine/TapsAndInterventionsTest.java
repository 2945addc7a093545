package superweight.engine;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.F32Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Taps see what the reference saw; interventions change exactly what they describe and leave the model untouched. */
class TapsAndInterventionsTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");

    /** Records, per layer, the max |value| and where it is, for the down-projection input and output. */
    static final class MaxTap implements Taps {
        final double[][] in, out; // [layer] -> {value, position, channel}

        MaxTap(int layers) {
            in = new double[layers][3];
            out = new double[layers][3];
        }

        private static void scan(double[] slot, int start, float[] x, int n, int dim) {
            for (int i = 0; i < n * dim; i++) {
                if (Math.abs(x[i]) > Math.abs(slot[0])) {
                    slot[0] = x[i];
                    slot[1] = start + i / dim;
                    slot[2] = i % dim;
                }
            }
        }

        @Override
        public void downProjInput(int layer, int start, float[] x, int n, int dim) {
            scan(in[layer], start, x, n, dim);
        }

        @Override
        public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
            scan(out[layer], start, y, n, dim);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "phi3", "olmo", "olmo2", "gemma", "gpt_neox"})
    void downProjectionTapsMatchReference(String arch) {
        Path dir = Fixtures.arch(arch);
        JsonNode ref = Fixtures.json(dir.resolve("taps.json"));
        Model m = ModelLoader.load(dir);
        try {
            MaxTap tap = new MaxTap(m.config().layers());
            new Transformer(m).logits(Fixtures.ints(ref.get("tokens")), tap, Interventions.NONE);
            for (JsonNode layer : ref.get("layers")) {
                int l = layer.get("layer").asInt();
                check(tap.in[l], layer.get("down_proj_input"));
                check(tap.out[l], layer.get("down_proj_output"));
            }
        } finally {
            m.checkpoint().close();
        }
    }

    private static void check(double[] got, JsonNode want) {
        assertThat(got[0]).isCloseTo(want.get("value").asDouble(), within(1e-4));
        assertThat((int) got[1]).isEqualTo(want.get("position").asInt());
        assertThat((int) got[2]).isEqualTo(want.get("channel").asInt());
    }

    @Test
    void zeroingThePlantedWeightGivesTheReferenceAndUndoIsFree() {
        int[] tokens = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
        float[] original = Fixtures.floats(PLANTED.resolve("logits.f32"));
        float[] zeroed = Fixtures.floats(PLANTED.resolve("logits-zeroed.f32"));
        Model m = ModelLoader.load(PLANTED.resolve("model.safetensors"));
        try {
            Transformer t = new Transformer(m);
            var zero = Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 27, 121)));
            assertThat(Fixtures.maxAbsDiff(t.logits(tokens, Taps.NONE, zero), zeroed)).isLessThanOrEqualTo(1e-4f);
            assertThat(Fixtures.maxAbsDiff(t.logits(tokens), original)).isLessThanOrEqualTo(1e-4f);
            assertThat(m.layers().get(1).down().get(27, 121)).isEqualTo(3.0f);
            var scaledToZero = Interventions.of(List.of(WeightEdit.scale(1, Linear.DOWN, 27, 121, 0f)));
            assertThat(Fixtures.maxAbsDiff(t.logits(tokens, Taps.NONE, scaledToZero), zeroed)).isLessThanOrEqualTo(1e-4f);
            var setBack = Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 27, 121), WeightEdit.set(1, Linear.DOWN, 27, 121, 3.0f)));
            assertThat(Fixtures.maxAbsDiff(t.logits(tokens, Taps.NONE, setBack), original)).isLessThanOrEqualTo(1e-4f);
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void activationOverrideIsWrittenAfterTheDownProjection() {
        JsonNode truth = Fixtures.json(PLANTED.resolve("truth.json")).get("super_activation");
        int[] tokens = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
        Model m = ModelLoader.load(PLANTED.resolve("model-f32.gguf"));
        try {
            Transformer t = new Transformer(m);
            MaxTap plain = new MaxTap(3);
            t.logits(tokens, plain, Interventions.NONE);
            assertThat(plain.out[1][0]).isCloseTo(truth.get("down_proj_output_value").asDouble(), within(1e-3));
            assertThat(plain.in[1][0]).isCloseTo(truth.get("intermediate_value").asDouble(), within(1e-3));
            // Zero the weight but put the super activation back where it was: the output logits return to the original.
            var restore = Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 27, 121)))
                    .withActivationOverrides(List.of(new ActivationOverride(1, 0, 27, (float) plain.out[1][0])));
            MaxTap restored = new MaxTap(3);
            float[] logits = t.logits(tokens, restored, restore);
            assertThat(restored.out[1]).containsExactly(plain.out[1]);
            // Position 0 gets back its original logits exactly up to the other (tiny) contributions of that weight.
            float[] orig = Fixtures.floats(PLANTED.resolve("logits.f32"));
            float[] zeroed = Fixtures.floats(PLANTED.resolve("logits-zeroed.f32"));
            assertThat(Fixtures.maxAbsDiff(logits, orig)).isLessThan(Fixtures.maxAbsDiff(zeroed, orig) / 100);
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void linearInputHookSeesAndChangesTheInput() {
        Path dir = Fixtures.arch("llama");
        int[] tokens = Fixtures.ints(Fixtures.json(dir.resolve("tokens.json")));
        Model m = ModelLoader.load(dir);
        try {
            Transformer t = new Transformer(m);
            // Zeroing every down-projection input must equal a model whose down-projection weights are all zero.
            var hook = Interventions.NONE.withLinearInputHook(LinearInputHook.of("test", (layer, linear, x, n, cols) -> {
                if (linear == Linear.DOWN) java.util.Arrays.fill(x, 0f);
            }));
            List<LayerWeights> zeroDown = new ArrayList<>();
            for (LayerWeights w : m.layers()) {
                zeroDown.add(w.with(Linear.DOWN, F32Tensor.of("zero", w.down().rows(), w.down().cols(), new float[(int) w.down().elements()])));
            }
            float[] viaHook = t.logits(tokens, Taps.NONE, hook);
            float[] viaWeights = new Transformer(m.withLayers(zeroDown)).logits(tokens);
            assertThat(Fixtures.maxAbsDiff(viaHook, viaWeights)).isLessThanOrEqualTo(1e-5f);
            assertThat(Fixtures.maxAbsDiff(viaHook, Fixtures.floats(dir.resolve("logits.f32")))).isGreaterThan(0.01f);
        } finally {
            m.checkpoint().close();
        }
    }
}
