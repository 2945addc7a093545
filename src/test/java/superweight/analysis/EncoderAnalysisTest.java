package superweight.analysis;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.engine.Encoder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Detection, persistence and embedding agreement on a BERT with a planted super weight, from safetensors and ONNX. */
class EncoderAnalysisTest {
    @TempDir
    static Path tmp;
    static Model fromSafetensors, fromOnnx;
    static final int[] PROMPT = TinyBert.prompt(7, 12);

    @BeforeAll
    static void build() throws IOException {
        TinyBert bert = new TinyBert(42);
        fromSafetensors = ModelLoader.load(bert.writeHuggingFace(tmp.resolve("hf")));
        fromOnnx = ModelLoader.load(bert.writeOnnx(tmp.resolve("model.onnx")));
    }

    @AfterAll
    static void close() {
        fromSafetensors.checkpoint().close();
        fromOnnx.checkpoint().close();
    }

    @Test
    void bothFormatsGiveTheSameModel() {
        assertThat(fromOnnx.config()).isEqualTo(fromSafetensors.config());
        assertThat(new Encoder(fromOnnx).hiddenStates(PROMPT)).containsExactly(new Encoder(fromSafetensors).hiddenStates(PROMPT));
        assertThat(ModelLoader.unusedTensors(fromOnnx)).isEmpty();
        assertThat(ModelLoader.unusedTensors(fromSafetensors)).isEmpty();
    }

    @Test
    void robertaCountsPositionsFromPaddingIndexPlusOne() throws IOException {
        Model roberta = ModelLoader.load(new TinyBert(42).writeRoberta(tmp.resolve("roberta")));
        try {
            assertThat(roberta.config().contextLength()).isEqualTo(TinyBert.POSITIONS - 2);
            assertThat(new Encoder(roberta).hiddenStates(PROMPT)).containsExactly(new Encoder(fromSafetensors).hiddenStates(PROMPT));
        } finally {
            roberta.checkpoint().close();
        }
    }

    @Test
    void detectionFindsExactlyThePlantedWeightInBothFormats() {
        for (Model m : List.of(fromSafetensors, fromOnnx)) {
            Detection d = new SuperWeightDetector().detect(m, PROMPT);
            assertThat(d.superWeights()).extracting(SuperWeight::layer, SuperWeight::row, SuperWeight::col)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(TinyBert.LAYER, TinyBert.ROW, TinyBert.COL));
            assertThat(d.superWeights().getFirst().value()).isEqualTo(4f);
            assertThat(d.superActivations()).singleElement().satisfies(sa -> {
                assertThat(sa.position()).isZero();
                assertThat(sa.channel()).isEqualTo(TinyBert.ROW);
                assertThat(Math.abs(sa.value())).isGreaterThan(300);
            });
        }
    }

    @Test
    void theSuperActivationDominatesEveryLaterLayerNormInputUntilItsWeightIsPruned() {
        SuperActivation sa = new SuperWeightDetector().detect(fromSafetensors, PROMPT).superActivations().getFirst();
        Persistence.Result kept = Persistence.measure(fromSafetensors, PROMPT, sa, Interventions.NONE);
        assertThat(kept.layers()).extracting(Persistence.Layer::layer).containsExactly(1, 2);
        assertThat(kept.persists()).isTrue();
        assertThat(kept.layers().getFirst().ratioToMedian()).isGreaterThan(100);
        var pruned = Ablation.plan(new Condition.PruneSuperWeights(), fromSafetensors,
                new SuperWeightDetector().detect(fromSafetensors, PROMPT).superWeights()).interventions();
        assertThat(Persistence.measure(fromSafetensors, PROMPT, sa, pruned).persists()).isFalse();
    }

    @Test
    void embeddingAgreementSeesThePrunedSuperWeightAndRestoringTheActivationUndoesIt() {
        List<int[]> texts = new ArrayList<>();
        for (int s = 0; s < 6; s++) texts.add(TinyBert.prompt(100 + s, 6 + s));
        List<EmbeddingAgreement.Pair> pairs = List.of(new EmbeddingAgreement.Pair(texts.get(0), texts.get(1), true),
                new EmbeddingAgreement.Pair(texts.get(2), texts.get(3), false), new EmbeddingAgreement.Pair(texts.get(4), texts.get(5), true),
                new EmbeddingAgreement.Pair(texts.get(0), texts.get(5), false));
        var agreement = new EmbeddingAgreement(fromSafetensors, Pooling.MEAN, texts, pairs, 4);
        var sws = new SuperWeightDetector().detect(fromSafetensors, PROMPT).superWeights();
        var original = agreement.measure("original", Interventions.NONE);
        assertThat(original.meanCosine()).isCloseTo(1, within(1e-6));
        assertThat(original.spearman()).isCloseTo(1, within(1e-12));
        var pruned = agreement.measure("prune-sw", Ablation.plan(new Condition.PruneSuperWeights(), fromSafetensors, sws).interventions());
        var restored = agreement.measure("prune-sw-restore-sa",
                Ablation.plan(new Condition.PruneSuperWeightsRestoreActivations(), fromSafetensors, sws).interventions());
        assertThat(pruned.meanCosine()).isLessThan(0.99);
        assertThat(restored.meanCosine()).isGreaterThan(pruned.meanCosine());
        // a derived model is measured as itself: int8 weights move the embeddings a little, not a lot
        var int8 = superweight.quant.W8A8.int8Weights(fromSafetensors, java.util.EnumSet.allOf(superweight.model.arch.Linear.class));
        var quantized = agreement.measure("int8", int8, Interventions.NONE);
        assertThat(quantized.meanCosine()).isLessThan(1 - 1e-7).isGreaterThan(0.9);
    }

    @Test
    void spearmanAndAucOnNumbersWorkedOutByHand() {
        // rho = 1 - 6 * sum d^2 / (n (n^2 - 1)) = 1 - 6 * 2 / 60
        assertThat(EmbeddingAgreement.spearman(new double[]{1, 2, 3, 4}, new double[]{1, 3, 2, 4})).isCloseTo(0.8, within(1e-12));
        // ties: ranks (1.5, 1.5, 3) against (1, 2, 3): 1.5 / sqrt(1.5 * 2)
        assertThat(EmbeddingAgreement.spearman(new double[]{1, 1, 2}, new double[]{1, 2, 3})).isCloseTo(1.5 / Math.sqrt(3), within(1e-12));
        // related 0.9, 0.5 against unrelated 0.6, 0.5: wins 1 + 1 + 0 + 0.5 of 4
        assertThat(EmbeddingAgreement.auc(new double[]{0.9, 0.6, 0.5, 0.5}, new boolean[]{true, false, true, false})).isEqualTo(0.625);
    }

    @Test
    void ranksAreOneBasedWithTiesAveraged() {
        // sorted: 1 (rank 1), 3 (rank 2), 5 and 5 (ranks 3 and 4, averaged to 3.5)
        assertThat(EmbeddingAgreement.ranks(new double[]{5, 1, 5, 3})).containsExactly(3.5, 1, 3.5, 2);
        assertThat(EmbeddingAgreement.ranks(new double[]{2, 2, 2})).containsExactly(2, 2, 2);
    }

    @Test
    void aucIsUndefinedWithoutBothKindsOfPairAndCountsTiesHalf() {
        assertThat(EmbeddingAgreement.auc(new double[]{0.9, 0.1}, new boolean[]{true, true})).isNaN();
        assertThat(EmbeddingAgreement.auc(new double[]{0.9, 0.1}, new boolean[]{false, false})).isNaN();
        assertThat(EmbeddingAgreement.auc(new double[]{0.4, 0.4}, new boolean[]{true, false})).isEqualTo(0.5);
        // the related pair below the unrelated one: no win
        assertThat(EmbeddingAgreement.auc(new double[]{0.2, 0.7}, new boolean[]{true, false})).isZero();
    }

    @Test
    void withoutTextsOnlyThePairMeasuresAreDefined() {
        List<EmbeddingAgreement.Pair> pairs = List.of(new EmbeddingAgreement.Pair(TinyBert.prompt(1, 5), TinyBert.prompt(2, 6), true),
                new EmbeddingAgreement.Pair(TinyBert.prompt(3, 5), TinyBert.prompt(4, 7), false));
        var r = new EmbeddingAgreement(fromSafetensors, Pooling.MEAN, List.of(), pairs, 2).measure("original", Interventions.NONE);
        assertThat(r.meanCosine()).isNaN();
        assertThat(r.minCosine()).isNaN();
        assertThat(r.spearman()).isCloseTo(1, within(1e-12));
    }
}
