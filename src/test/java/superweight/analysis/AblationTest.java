package superweight.analysis;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Linear;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The Table 1 conditions on the planted fixture, checked against its independent reference logits and truth.json. */
class AblationTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");
    static Model model;
    static int[] tokens;
    static com.fasterxml.jackson.databind.JsonNode truth;
    static List<SuperWeight> planted;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(PLANTED.resolve("model.safetensors"));
        tokens = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
        truth = Fixtures.json(PLANTED.resolve("truth.json"));
        planted = List.of(SuperWeight.at(truth.get("layer").asInt(), truth.get("row").asInt(), truth.get("col").asInt()));
    }

    @AfterAll
    static void close() {
        model.checkpoint().close();
    }

    private static float[] logits(Condition c) {
        SequenceInterventions iv = Ablation.plan(c, model, planted);
        return new Transformer(model).logits(tokens, Taps.NONE, iv.forSequence(tokens));
    }

    @Test
    void originalReproducesTheReferenceLogits() {
        assertThat(Fixtures.maxAbsDiff(logits(new Condition.Original()), Fixtures.floats(PLANTED.resolve("logits.f32")))).isLessThan(1e-4f);
    }

    @Test
    void pruningTheSuperWeightReproducesTheZeroedReferenceLogits() {
        float[] expected = Fixtures.floats(PLANTED.resolve("logits-zeroed.f32"));
        assertThat(Fixtures.maxAbsDiff(logits(new Condition.PruneSuperWeights()), expected)).isLessThan(1e-4f);
        assertThat(Fixtures.maxAbsDiff(logits(new Condition.Scale(0f)), expected)).isLessThan(1e-4f);
    }

    @Test
    void restoringTheSuperActivationPutsItBackWhereTruthSaysItIs() {
        var sa = truth.get("super_activation");
        int layer = truth.get("layer").asInt(), channel = sa.get("hidden_channel").asInt(), position = sa.get("position").asInt();
        List<SuperActivation> captured = new SuperActivationRestore(model, planted).capture(tokens);
        assertThat(captured).singleElement().satisfies(a -> {
            assertThat(a.layer()).isEqualTo(layer);
            assertThat(a.position()).isEqualTo(position);
            assertThat(a.channel()).isEqualTo(channel);
            assertThat((double) a.value()).isCloseTo(sa.get("down_proj_output_value").asDouble(), within(1e-3));
        });

        Interventions iv = Ablation.plan(new Condition.PruneSuperWeightsRestoreActivations(), model, planted).forSequence(tokens);
        int d = model.config().hiddenSize();
        float[][] out = new float[model.config().layers()][];
        float[][] residual = new float[model.config().layers()][];
        Taps taps = new Taps() {
            @Override
            public void downProjOutput(int l, int start, float[] y, int n, int dim) {
                out[l] = y.clone();
            }

            @Override
            public void residual(int l, int start, float[] h, int n, int dim) {
                residual[l] = h.clone();
            }
        };
        float[] restored = new Transformer(model).logits(tokens, taps, iv);
        assertThat((double) out[layer][position * d + channel]).isCloseTo(sa.get("down_proj_output_value").asDouble(), within(1e-3));
        for (var r : sa.get("residual_after_layer")) {
            assertThat((double) residual[r.get("layer").asInt()][position * d + channel]).isCloseTo(r.get("residual_value").asDouble(), within(1e-3));
        }
        // the weight itself is still zero: at other positions the channel lacks its (tiny) contribution
        assertThat(iv.applyTo(model).layers().get(layer).linear(Linear.DOWN).get(channel, truth.get("col").asInt())).isZero();
        // the planted weight acts only through its super activation: restoring it restores the model's output
        assertThat(Fixtures.maxAbsDiff(restored, Fixtures.floats(PLANTED.resolve("logits.f32")))).isLessThan(1e-3f);
        assertThat(Fixtures.maxAbsDiff(restored, Fixtures.floats(PLANTED.resolve("logits-zeroed.f32")))).isGreaterThan(1f);
    }

    @Test
    void restorationFollowsTheSuperActivationOfEachSequence() {
        // without BOS the planted spike never fires, so the largest |channel 27| sits elsewhere and has another value
        int[] noBos = java.util.Arrays.copyOfRange(tokens, 1, tokens.length);
        SuperActivation a = new SuperActivationRestore(model, planted).capture(noBos).getFirst();
        assertThat(Math.abs(a.value())).isLessThan(50f);
        SuperActivation b = new SuperActivationRestore(model, planted).capture(tokens).getFirst();
        assertThat(b.value()).isGreaterThan(300f);
    }

    @Test
    void scalingMultipliesTheSuperWeight() {
        Interventions iv = Ablation.plan(new Condition.Scale(2.5f), model, planted).forSequence(tokens);
        var sw = planted.getFirst();
        assertThat(iv.applyTo(model).layers().get(sw.layer()).linear(Linear.DOWN).get(sw.row(), sw.col()))
                .isEqualTo(3.0f * 2.5f);
    }

    @Test
    void pruningNonSuperWeightsKeepsTheSuperWeightAndZeroesTheNextLargest() {
        Interventions iv = Ablation.plan(new Condition.PruneNonSuperWeights(5), model, planted).forSequence(tokens);
        assertThat(iv.weightEdits()).hasSize(5);
        var sw = planted.getFirst();
        assertThat(iv.weightEdits()).noneMatch(e -> e.layer() == sw.layer() && e.linear() == Linear.DOWN && e.row() == sw.row() && e.col() == sw.col());
        // the planted gate/up rows (10*u) hold the fixture's largest weights after the super weight
        assertThat(iv.weightEdits()).allMatch(e -> e.layer() == 1 && (e.linear() == Linear.GATE || e.linear() == Linear.UP) && e.row() == 121);
    }

    @Test
    void conditionsThatNeedSuperWeightsRefuseAnEmptyList() {
        assertThatThrownBy(() -> Ablation.plan(new Condition.PruneSuperWeights(), model, List.of()))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("prune-sw");
    }
}
