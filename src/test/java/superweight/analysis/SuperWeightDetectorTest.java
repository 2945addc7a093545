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
            assertThat(d.candidate(sw).explainedShare()).isCloseTo(truth.get("value").asDouble() * sa.get("intermediate_value").asDouble()
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
        Detection d = new SuperWeightDetector(50, 10).detect(m, TinyModels.prompt(seed, 10));   // the paper's rule
        assertThat(d.iterations()).hasSize(3);
        assertThat(d.iterations().get(0).found()).containsExactly(new SuperWeight(a, first.row(), first.col(), TinyModels.SUPER_WEIGHT));
        assertThat(d.iterations().get(1).found()).containsExactly(new SuperWeight(b, second.row(), second.col(), TinyModels.SUPER_WEIGHT));
        assertThat(d.iterations().get(2).found()).isEmpty();
        // with only one pass allowed, the masked one stays hidden
        Detection once = new SuperWeightDetector(50, 1).detect(m, TinyModels.prompt(seed, 10));
        assertThat(once.superWeights()).hasSize(1);
        // the evidence rule's relative criterion also sees the masked one (a spike of 3-15, hundreds of times its
        // layer's median) and confirms both, whichever pass it takes
        assertThat(new SuperWeightDetector().detect(m, TinyModels.prompt(seed, 10)).superWeights()).containsExactlyInAnyOrder(
                new SuperWeight(a, first.row(), first.col(), TinyModels.SUPER_WEIGHT), new SuperWeight(b, second.row(), second.col(), TinyModels.SUPER_WEIGHT));
    }

    /** Layer 1 holds a real super weight, layer 3 a spike that 16 weights make together at token 5 (TinyModels.Decoy). */
    static final TinyModels.Planted REAL = new TinyModels.Planted(1, 20, 10);
    static final int[] DECOY_PROMPT = {TinyModels.BOS, 9, 5, 17, 22, 30, 8, 11};

    static Model withDecoy(int decoyLayer) {
        return TinyModels.build(21, 4, 3, List.of(REAL), TinyModels.SUPER_WEIGHT, new TinyModels.Decoy(decoyLayer, 7, 5, 12, 40, 16));
    }

    @Test
    void thePaperRuleReportsTheDecoyTheEvidenceRuleClassifiesIt() {
        Model m = withDecoy(3);
        SuperWeight real = new SuperWeight(1, 20, 10, TinyModels.SUPER_WEIGHT);
        // the 16 decoy columns get identical inputs, so the first (40) is the input maximum
        SuperWeight decoy = new SuperWeight(3, 7, 40, TinyModels.Decoy.WEIGHT);
        Detection paper = new SuperWeightDetector(new DetectionRule.Paper(50), 10).detect(m, DECOY_PROMPT);
        assertThat(paper.superWeights()).containsExactlyInAnyOrder(real, decoy);

        Detection d = new SuperWeightDetector().detect(m, DECOY_PROMPT);
        assertThat(d.superWeights()).containsExactly(real);
        Candidate c = d.candidate(decoy);
        assertThat(c.kind()).isEqualTo(Candidate.Kind.LATE_LAYER_SPIKE);
        assertThat(c.sameToken()).isTrue();
        assertThat(c.spike().maxInPosition()).isEqualTo(2);   // token 5 sits at position 2
        assertThat(c.explainedShare()).isCloseTo(1.0 / 16, within(0.01));   // one of 16 equal contributions
        assertThat(c.persistence()).isZero();
        Candidate sw = d.candidate(real);
        assertThat(sw.kind()).isEqualTo(Candidate.Kind.SUPER_WEIGHT);
        assertThat(sw.explainedShare()).isCloseTo(1.0, within(0.02));   // the only large product in its row
        assertThat(sw.persistence()).isEqualTo(1.0);
        assertThat(sw.residual()).extracting(Candidate.ResidualValue::layer).containsExactly(1, 2, 3);
        assertThat(sw.residual()).allSatisfy(r -> {
            assertThat(Math.abs(r.original())).isGreaterThan(300f);
            assertThat(Math.abs(r.zeroed())).isLessThan(5f);
        });
    }

    @Test
    void anEarlyManyWeightSpikeIsUnexplained() {
        Detection d = new SuperWeightDetector().detect(withDecoy(0), DECOY_PROMPT);
        assertThat(d.superWeights()).containsExactly(new SuperWeight(1, 20, 10, TinyModels.SUPER_WEIGHT));
        assertThat(d.candidate(new SuperWeight(0, 7, 40, Float.NaN)).kind()).isEqualTo(Candidate.Kind.UNEXPLAINED);
    }

    @Test
    void theRelativeRuleFindsASuperActivationOfTensThatThePaperThresholdMisses() {
        var planted = new TinyModels.Planted(1, 20, 10);
        Model m = TinyModels.build(31, 3, 3, List.of(planted), 0.25f, null);   // X ~ 128, so Y ~ 32
        int[] prompt = TinyModels.prompt(31, 10);
        assertThat(new SuperWeightDetector(new DetectionRule.Paper(50), 10).detect(m, prompt).superWeights()).isEmpty();
        SuperWeight expected = new SuperWeight(1, 20, 10, 0.25f);
        Detection relative = new SuperWeightDetector(DetectionRule.parse("relative", 50), 10).detect(m, prompt);
        assertThat(relative.superWeights()).containsExactly(expected);
        assertThat(Math.abs(relative.before().get(1).maxOut())).isBetween(20f, 50f);
        assertThat(new SuperWeightDetector().detect(m, prompt).superWeights()).containsExactly(expected);
        // R above the layer's own ratio: nothing
        double ratio = Math.min(relative.before().get(1).inputRatio(), relative.before().get(1).outputRatio());
        assertThat(new SuperWeightDetector(new DetectionRule.Relative(ratio * 1.01), 10).detect(m, prompt).superWeights()).isEmpty();
    }

    @Test
    void rulesParseAndNameThemselves() {
        assertThat(DetectionRule.parse("paper", 40)).isEqualTo(new DetectionRule.Paper(40));
        assertThat(DetectionRule.parse("relative:20", 50)).isEqualTo(new DetectionRule.Relative(20));
        assertThat(DetectionRule.parse("Relative", 50)).isEqualTo(new DetectionRule.Relative(100));
        assertThat(DetectionRule.parse("evidence", 50)).isEqualTo(DetectionRule.defaultRule());
        assertThat(DetectionRule.parse("relative:20", 50).label()).isEqualTo("relative:20");
        assertThatThrownBy(() -> DetectionRule.parse("relative:1", 50)).isInstanceOf(SuperweightException.class).hasMessageContaining("--rule");
        assertThatThrownBy(() -> DetectionRule.parse("relative:x", 50)).isInstanceOf(SuperweightException.class).hasMessageContaining("--rule");
        assertThatThrownBy(() -> DetectionRule.parse("magic", 50)).isInstanceOf(SuperweightException.class).hasMessageContaining("evidence, paper or relative");
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
        assertThat(m.medianAbsIn()).isNaN();   // the plain tap keeps no values
    }

    @Test
    void mediansAreTheLowerMiddleMagnitudeOverEveryCall() {
        DownProjMaxima taps = DownProjMaxima.withMedians(1);
        taps.downProjInput(0, 0, new float[]{1, -8, 3, 0.5f}, 2, 2);
        taps.downProjInput(0, 2, new float[]{-2, 6}, 1, 2);       // |values| 0.5 1 2 3 6 8: lower middle 2
        taps.downProjOutput(0, 0, new float[]{-4, 1, 2}, 1, 3);   // 1 2 4: 2
        LayerMaximum m = taps.layers("x").getFirst();
        assertThat(m.medianAbsIn()).isEqualTo(2.0);
        assertThat(m.inputRatio()).isEqualTo(4.0);
        assertThat(m.outputRatio()).isEqualTo(2.0);
    }

    private static int otherThan(Random rnd, int excluded) {
        int v;
        do v = rnd.nextInt(TinyModels.HIDDEN); while (v == excluded);
        return v;
    }
}
