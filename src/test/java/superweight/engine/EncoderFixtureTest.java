package superweight.engine;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The tiny random BERT from both formats against the independent numpy reference (hidden state and FFN taps). */
class EncoderFixtureTest {
    static final Path DIR = Fixtures.arch("bert");

    @ParameterizedTest
    @ValueSource(strings = {"model.safetensors", "model-f32.gguf"})
    void lastHiddenStateAndTapsMatchTheReference(String file) {
        JsonNode ref = Fixtures.json(DIR.resolve("reference.json"));
        JsonNode taps = Fixtures.json(DIR.resolve("taps.json"));
        float[] expected = Fixtures.floats(DIR.resolve("hidden.f32"));
        Model m = ModelLoader.load(DIR.resolve(file));
        try {
            assertThat(m.isEncoder()).isTrue();
            assertThat(ModelLoader.unusedTensors(m)).isEmpty();
            var tap = new TapsAndInterventionsTest.MaxTap(m.config().layers());
            float[] hidden = new Encoder(m).hiddenStates(Fixtures.ints(ref.get("tokens")), tap, Interventions.NONE);
            assertThat(hidden).hasSameSizeAs(expected);
            assertThat(Fixtures.maxAbsDiff(hidden, expected)).as("max |hidden - reference| from %s", file).isLessThanOrEqualTo(1e-4f);
            for (JsonNode layer : taps.get("layers")) {
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

    /** Packed sequences attend only to themselves: the batch equals one pass per sequence, bit for bit. */
    @Test
    void aBatchEqualsOneSequenceAtATime() {
        Model m = ModelLoader.load(DIR.resolve("model.safetensors"));
        try {
            Encoder e = new Encoder(m);
            List<int[]> seqs = List.of(new int[]{101, 137, 209, 102}, new int[]{101, 300, 102}, new int[]{101, 5, 6, 7, 8, 9, 10, 11, 102});
            var zero = Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 3, 7)));
            List<float[]> batch = e.hiddenStates(seqs, Taps.NONE, zero);
            for (int s = 0; s < seqs.size(); s++) {
                assertThat(batch.get(s)).containsExactly(e.hiddenStates(seqs.get(s), Taps.NONE, zero));
            }
        } finally {
            m.checkpoint().close();
        }
    }
}
