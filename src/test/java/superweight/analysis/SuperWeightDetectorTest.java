package superweight.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SuperWeightDetectorTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");

    @ParameterizedTest
    @ValueSource(strings = {"model.safetensors", "model-f32.gguf"})
    void findsThePlantedSuperWeightOfTheFixture(String file) {
        var truth = Fixtures.json(PLANTED.resolve("truth.json"));
        int[] tokens = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
        Model model = ModelLoader.load(PLANTED.resolve(file));
        try {
            Detection d = new SuperWeightDetector().detect(model, tokens);
            assertThat(d.superWeights()).hasSize(1);
            SuperWeight sw = d.superWeights().getFirst();
            assertThat(List.of(sw.layer(), sw.row(), sw.col()))
                    .containsExactly(truth.get("layer").asInt(), truth.get("row").asInt(), truth.get("col").asInt());
            assertThat(sw.value()).isEqualTo((float) truth.get("value").asDouble());
            var sa = truth.get("super_activation");
            SuperActivation a = d.superActivations().getFirst();
            assertThat(a.layer()).isEqualTo(truth.get("layer").asInt());
            assertThat(a.position()).isEqualTo(sa.get("position").asInt());
            assertThat(a.channel()).isEqualTo(sa.get("hidden_channel").asInt());
            assertThat((double) a.value()).isCloseTo(sa.get("down_proj_output_value").asDouble(), within(1e-3));
            // first pass sees the spike, second pass (weight zeroed) finds nothing new and ends detection
            assertThat(d.iterations()).hasSize(2);
            LayerMaximum l1 = d.before().get(1);
            assertThat((double) l1.maxIn()).isCloseTo(sa.get("intermediate_value").asDouble(), within(1e-3));
            assertThat(l1.maxInChannel()).isEqualTo(sa.get("intermediate_channel").asInt());
            assertThat(Math.abs(d.after().get(1).maxOut())).isLessThan(50f);
            // the weight makes (almost) all of the output spike: W * X / Y from truth.json's values
            assertThat(d.explainedShare(sw)).isCloseTo(truth.get("value").asDouble() * sa.get("intermediate_value").asDouble()
                    / sa.get("down_proj_output_value").asDouble(), within(1e-4));
        } finally {
            model.checkpoint().close();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void findsOneSuperWeightPlantedAtRandomCoordinates(long seed) {
        Random rnd = new Random(seed * 7919);
        int layers = 3 + rnd.nextInt(2), marker = rnd.nextInt(TinyModels.HIDDEN);
        int layer = rnd.nextInt(layers), row = otherThan(rnd, marker), col = rnd.nextInt(TinyModels.INTERMEDIATE);
        Model m = TinyModels.build(seed, layers, marker, List.of(new TinyModels.Planted(layer, row, col)));
        Detection d = new SuperWeightDetector().detect(m, TinyModels.prompt(seed, 12));
        assertThat(d.superWeights()).containsExactly(new SuperWeight(layer, row, col, TinyModels.SUPER_WEIGHT));
        assertThat(d.superActivations()).singleElement().satisfies(a -> {
            assertThat(a.layer()).isEqualTo(layer);
            assertThat(a.channel()).isEqualTo(row);
            assertThat(a.position()).isZero();
            assertThat(Math.abs(a.value())).isGreaterThan(300f);
        });
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14})
    void revealsAMaskedSecondSuperWeightOnlyInTheSecondIteration(long seed) {
        Random rnd = new Random(seed * 104729);
        int marker = rnd.nextInt(TinyModels.HIDDEN);
        int a = rnd.nextInt(2), b = a + 1 + rnd.nextInt(2);
        var first = new TinyModels.Planted(a, otherThan(rnd, marker), rnd.nextInt(TinyModels.INTERMEDIATE));
        var second = new TinyModels.Planted(b, otherThan(rnd, marker), rnd.nextInt(TinyModels.INTERMEDIATE));
        Model m = TinyModels.build(seed, 4, marker, List.of(first, second));
        Detection d = new SuperWeightDetector().detect(m, TinyModels.prompt(seed, 10));
        assertThat(d.iterations()).hasSize(3);
        assertThat(d.iterations().get(0).found()).containsExactly(new SuperWeight(a, first.row(), first.col(), TinyModels.SUPER_WEIGHT));
        assertThat(d.iterations().get(1).found()).containsExactly(new SuperWeight(b, second.row(), second.col(), TinyModels.SUPER_WEIGHT));
        assertThat(d.iterations().get(2).found()).isEmpty();
        // with only one pass allowed, the masked one stays hidden
        Detection once = new SuperWeightDetector(50, 1).detect(m, TinyModels.prompt(seed, 10));
        assertThat(once.superWeights()).hasSize(1);
    }

    @Test
    void aModelWithoutOutliersHasNoSuperWeight() {
        Model m = TinyModels.build(99, 3, 0, List.of());
        Detection d = new SuperWeightDetector().detect(m, TinyModels.prompt(99, 8));
        assertThat(d.superWeights()).isEmpty();
        assertThat(d.iterations()).hasSize(1);
        assertThat(d.before()).hasSize(3);
    }

    @Test
    void badParametersAreOneLineErrors() {
        assertThatThrownBy(() -> new SuperWeightDetector(-1, 10)).isInstanceOf(SuperweightException.class).hasMessageContaining("--threshold");
        assertThatThrownBy(() -> new SuperWeightDetector(50, 0)).isInstanceOf(SuperweightException.class).hasMessageContaining("--max-iterations");
        Model m = TinyModels.build(1, 2, 0, List.of());
        assertThatThrownBy(() -> new SuperWeightDetector().detect(m, new int[0])).isInstanceOf(SuperweightException.class);
    }

    @Test
    void missingMlpTapDataIsReported() {
        DownProjMaxima taps = new DownProjMaxima(2);
        taps.downProjInput(0, 0, new float[]{1, -3}, 1, 2);
        taps.downProjOutput(0, 0, new float[]{2, 0}, 1, 2);
        assertThatThrownBy(() -> taps.layers("m.gguf")).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("m.gguf").hasMessageContaining("layer 1").hasMessageNotContaining("\n");
    }

    @Test
    void maximaKeepSignAndAbsolutePositionAcrossCalls() {
        DownProjMaxima taps = new DownProjMaxima(1);
        taps.downProjInput(0, 0, new float[]{1, 2, 3, -4, 0, 0}, 2, 3);   // |-4| at position 1, channel 0
        taps.downProjInput(0, 2, new float[]{0, 5, 0}, 1, 3);              // 5 at position 2, channel 1
        taps.downProjOutput(0, 0, new float[]{-7, 7}, 1, 2);               // tie: the first wins
        LayerMaximum m = taps.layers("x").getFirst();
        assertThat(List.of(m.maxIn(), (float) m.maxInPosition(), (float) m.maxInChannel())).containsExactly(5f, 2f, 1f);
        assertThat(List.of(m.maxOut(), (float) m.maxOutPosition(), (float) m.maxOutChannel())).containsExactly(-7f, 0f, 0f);
    }

    private static int otherThan(Random rnd, int excluded) {
        int v;
        do v = rnd.nextInt(TinyModels.HIDDEN); while (v == excluded);
        return v;
    }
}
