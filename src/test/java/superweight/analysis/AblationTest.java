package superweight.analysis;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The Table 1 conditions on the planted fixture, checked against its independent reference logits and truth.json. */
class AblationTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(PLANTED.resolve("model.safetensors"));
    static final Model model = LOADED.model();
    static int[] tokens;
    static com.fasterxml.jackson.databind.JsonNode truth;
    static List<SuperWeight> planted;

    @BeforeAll
    static void load() {
        tokens = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
        truth = Fixtures.json(PLANTED.resolve("truth.json"));
        planted = List.of(SuperWeight.at(truth.get("layer").asInt(), truth.get("row").asInt(), truth.get("col").asInt()));
    }

    private static float[] logits(Condition c) {
        return new Transformer(model).logits(tokens, Taps.NONE, Ablation.plan(c, model, planted).interventions());
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

    /** Down-projection outputs and residuals per layer of one pass. */
    record Captured(float[][] out, float[][] residual, float[] logits) {
    }

    static Captured run(int[] seq, Interventions iv) {
        int layers = model.config().layers();
        float[][] out = new float[layers][], residual = new float[layers][];
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
        float[] logits = new Transformer(model).logits(seq, taps, iv);
        return new Captured(out, residual, logits);
    }

    @Test
    void restoringTheSuperActivationPutsItBackWhereTruthSaysItIs() {
        var sa = truth.get("super_activation");
        int layer = truth.get("layer").asInt(), channel = sa.get("hidden_channel").asInt(), position = sa.get("position").asInt();
        Interventions iv = Ablation.plan(new Condition.PruneSuperWeightsRestoreActivations(), model, planted).interventions();
        Captured c = run(tokens, iv);
        int d = model.config().hiddenSize();
        assertThat((double) c.out()[layer][position * d + channel]).isCloseTo(sa.get("down_proj_output_value").asDouble(), within(1e-3));
        for (var r : sa.get("residual_after_layer")) {
            assertThat((double) c.residual()[r.get("layer").asInt()][position * d + channel]).isCloseTo(r.get("residual_value").asDouble(), within(1e-3));
        }
        // the weight itself stays zero, and every other position keeps the pruned output
        assertThat(iv.applyTo(model).layers().get(layer).linear(Linear.DOWN).get(channel, truth.get("col").asInt())).isZero();
        Captured pruned = run(tokens, Ablation.plan(new Condition.PruneSuperWeights(), model, planted).interventions());
        for (int i = 0; i < tokens.length; i++) {
            if (i != position) assertThat(c.out()[layer][i * d + channel]).isEqualTo(pruned.out()[layer][i * d + channel]);
        }
        // the planted weight acts only through its super activation: restoring it restores the model's output
        assertThat(Fixtures.maxAbsDiff(c.logits(), Fixtures.floats(PLANTED.resolve("logits.f32")))).isLessThan(1e-3f);
        assertThat(Fixtures.maxAbsDiff(c.logits(), Fixtures.floats(PLANTED.resolve("logits-zeroed.f32")))).isGreaterThan(1f);
    }

    @Test
    void restorationFollowsEachSequencesOwnLargestOriginalValue() {
        // without BOS the planted spike never fires: the restored position is wherever |channel 27| is largest in
        // the original run of this sequence, with that run's value
        int[] noBos = java.util.Arrays.copyOfRange(tokens, 5, tokens.length);
        int layer = planted.getFirst().layer(), channel = planted.getFirst().row(), d = model.config().hiddenSize();
        Captured original = run(noBos, Interventions.NONE);
        int best = 0;
        for (int i = 1; i < noBos.length; i++) {
            if (Math.abs(original.out()[layer][i * d + channel]) > Math.abs(original.out()[layer][best * d + channel])) best = i;
        }
        Captured restored = run(noBos, Ablation.plan(new Condition.PruneSuperWeightsRestoreActivations(), model, planted).interventions());
        assertThat(restored.out()[layer][best * d + channel]).isCloseTo(original.out()[layer][best * d + channel], within(1e-5f));
        assertThat(Math.abs(original.out()[layer][best * d + channel])).isLessThan(50f);
    }

    @Test
    void restorationIsTheSameWhenASequenceArrivesInKvCachedPieces() {
        Interventions iv = Ablation.plan(new Condition.PruneSuperWeightsRestoreActivations(), model, planted).interventions();
        Transformer t = new Transformer(model);
        int vocab = model.config().vocabSize(), split = 12;
        float[] whole = t.logits(tokens, Taps.NONE, iv);
        var st = t.newState(tokens.length);
        float[] pieces = new float[whole.length];
        // context, a throw-away continuation, then truncation back to the context and the real continuation
        t.forward(st, java.util.Arrays.copyOf(tokens, split), Taps.NONE, iv, 0, (p, l, o) -> System.arraycopy(l, o, pieces, p * vocab, vocab));
        t.forward(st, new int[]{1, 1, 1}, Taps.NONE, iv, 3, (p, l, o) -> { });
        st.truncate(split);
        t.forward(st, java.util.Arrays.copyOfRange(tokens, split, tokens.length), Taps.NONE, iv, 0,
                (p, l, o) -> System.arraycopy(l, o, pieces, p * vocab, vocab));
        assertThat(Fixtures.maxAbsDiff(pieces, whole)).isLessThan(1e-4f);
    }

    @Test
    void scalingMultipliesTheSuperWeight() {
        Interventions iv = Ablation.plan(new Condition.Scale(2.5f), model, planted).interventions();
        var sw = planted.getFirst();
        assertThat(iv.applyTo(model).layers().get(sw.layer()).linear(Linear.DOWN).get(sw.row(), sw.col()))
                .isEqualTo(3.0f * 2.5f);
    }

    @Test
    void pruningNonSuperWeightsKeepsTheSuperWeightAndZeroesTheNextLargest() {
        Interventions iv = Ablation.plan(new Condition.PruneNonSuperWeights(5), model, planted).interventions();
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
