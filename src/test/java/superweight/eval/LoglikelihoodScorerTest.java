package superweight.eval;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The KV-sharing scorer against an independent reference: one plain full Transformer.logits pass per request and a
 * log-softmax written here, on real items of every task (the fixture model is random, so only the mechanics count).
 */
class LoglikelihoodScorerTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("llama").resolve("model.safetensors"));
    static final Model llama = LOADED.model();

    /** Sum of log p(token[j+1] | tokens[..j]) over the continuation, from one full pass (double-precision log-softmax). */
    static double[] reference(Transformer t, EncodedPair p, Interventions iv) {
        int[] input = Arrays.copyOf(p.tokens(), p.tokens().length - 1);
        float[] logits = t.logits(input, superweight.engine.Taps.NONE, iv);
        int v = t.model().config().vocabSize();
        double ll = 0;
        boolean greedy = true;
        for (int j = p.firstScoredPosition(); j < input.length; j++) {
            double max = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int k = 0; k < v; k++) {
                if (logits[j * v + k] > max) {
                    max = logits[j * v + k];
                    arg = k;
                }
            }
            double z = 0;
            for (int k = 0; k < v; k++) z += Math.exp(logits[j * v + k] - max);
            int target = p.tokens()[j + 1];
            ll += logits[j * v + target] - max - Math.log(z);
            greedy &= arg == target;
        }
        return new double[]{ll, greedy ? 1 : 0};
    }

    @ParameterizedTest
    @ValueSource(strings = {"piqa", "arc_easy", "arc_challenge", "hellaswag", "lambada_openai", "winogrande", "sciq"})
    void everyTaskMatchesAFullPassPerRequest(String task) {
        TaskSpec spec = Tasks.get(task);
        var docs = Tasks.documents(spec, DataDirs.of(null));
        Transformer t = new Transformer(llama);
        RequestEncoder enc = new RequestEncoder(new ByteTestTokenizer(true), false, llama.config().contextLength());
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(t, Interventions.NONE);
        for (int i = 0; i < 3; i++) {
            TaskItem item = spec.item(i, docs.get(i));
            List<EncodedPair> pairs = item.requests().stream().map(r -> enc.encode(r.context(), r.continuation())).toList();
            List<ChoiceScore> got = scorer.score(pairs);
            assertThat(got).hasSameSizeAs(pairs);
            for (int c = 0; c < pairs.size(); c++) {
                double[] ref = reference(t, pairs.get(c), Interventions.NONE);
                assertThat(got.get(c).logLikelihood()).as("%s item %d choice %d", task, i, c).isCloseTo(ref[0], within(1e-4));
                assertThat(got.get(c).greedy()).isEqualTo(ref[1] == 1);
                assertThat(got.get(c).tokens()).isEqualTo(pairs.get(c).continuationLength());
            }
        }
    }

    @Test
    void interventionsReachEveryPassAndChangeTheScores() {
        Transformer t = new Transformer(llama);
        RequestEncoder enc = new RequestEncoder(new ByteTestTokenizer(true), true, 256);
        List<EncodedPair> pairs = List.of(enc.encode("Question: why?\nAnswer:", " because"), enc.encode("Question: why?\nAnswer:", " no"));
        List<WeightEdit> edits = new ArrayList<>();
        for (int r = 0; r < 64; r++) edits.add(WeightEdit.scale(0, Linear.DOWN, r, 3, 50f));
        Interventions iv = Interventions.of(edits);
        List<ChoiceScore> plain = new LoglikelihoodScorer(t, Interventions.NONE).score(pairs);
        List<ChoiceScore> edited = new LoglikelihoodScorer(t, iv).score(pairs);
        for (int c = 0; c < pairs.size(); c++) {
            double withEdits = reference(t, pairs.get(c), iv)[0], without = reference(t, pairs.get(c), Interventions.NONE)[0];
            assertThat(edited.get(c).logLikelihood()).isCloseTo(withEdits, within(1e-4));
            assertThat(plain.get(c).logLikelihood()).isCloseTo(without, within(1e-4));
            // the premise that makes the two checks above tell an ignored edit apart
            assertThat(Math.abs(withEdits - without)).as("the edit changes the reference").isGreaterThan(1e-2);
        }
    }

    @Test
    void aPerTensorActivationHookSeesTheSameRowsAsAFullPass() {
        // int8 fake quantization of the down-projection input with ONE scale over all rows of the call
        superweight.engine.LinearInputHook perTensor = superweight.engine.LinearInputHook.of("int8-per-call", (layer, linear, x, n, cols) -> {
            if (linear != Linear.DOWN) return;
            float max = 0;
            for (int i = 0; i < n * cols; i++) max = Math.max(max, Math.abs(x[i]));
            float scale = max / 127f;
            if (scale > 0) for (int i = 0; i < n * cols; i++) x[i] = Math.round(x[i] / scale) * scale;
        });
        Interventions iv = Interventions.NONE.withLinearInputHook(perTensor);
        Transformer t = new Transformer(llama);
        RequestEncoder enc = new RequestEncoder(new ByteTestTokenizer(true), false, 256);
        List<EncodedPair> pairs = List.of(enc.encode("Question: which one?\nAnswer:", " the first"), enc.encode("Question: which one?\nAnswer:", " zz"));
        List<ChoiceScore> got = new LoglikelihoodScorer(t, iv).score(pairs);
        for (int c = 0; c < pairs.size(); c++) {
            assertThat(got.get(c).logLikelihood()).isCloseTo(reference(t, pairs.get(c), iv)[0], within(1e-4));
        }
    }

    @Test
    void aHookThatDependsOnEveryRowOfItsCallIsNeverGivenASplitPass() {
        // subtracting the mean over all rows of the call: a context/continuation split would change every row's input
        superweight.engine.LinearInputHook centre = superweight.engine.LinearInputHook.of("centre-per-call", (layer, linear, x, n, cols) -> {
            if (linear != Linear.DOWN) return;
            double mean = 0;
            for (int i = 0; i < n * cols; i++) mean += x[i];
            mean /= n * cols;
            for (int i = 0; i < n * cols; i++) x[i] -= (float) (50 * mean);
        });
        Interventions iv = Interventions.NONE.withLinearInputHook(centre);
        Transformer t = new Transformer(llama);
        RequestEncoder enc = new RequestEncoder(new ByteTestTokenizer(true), false, 256);
        List<EncodedPair> pairs = List.of(enc.encode("Question: which one?\nAnswer:", " the first"), enc.encode("Question: which one?\nAnswer:", " zz"));
        List<ChoiceScore> got = new LoglikelihoodScorer(t, iv).score(pairs);
        for (int c = 0; c < pairs.size(); c++) {
            assertThat(got.get(c).logLikelihood()).isCloseTo(reference(t, pairs.get(c), iv)[0], within(1e-4));
        }
        assertThat(new LoglikelihoodScorer(t, iv).score(List.of())).isEmpty();
    }

    @Test
    void sharedPrefixStopsWhereRequestsDifferAndAtTheFirstScoredPosition() {
        // contexts differ at index 2; both continuations start at position 3
        var a = new EncodedPair(new int[]{5, 6, 7, 8, 9}, 2);
        var b = new EncodedPair(new int[]{5, 6, 17, 8, 9}, 2);
        assertThat(LoglikelihoodScorer.sharedPrefix(List.of(a, b))).isEqualTo(2);
        // identical contexts of 3 tokens: the prefix may cover the context (first scored position 2 -> prefix 3)
        var c = new EncodedPair(new int[]{5, 6, 7, 30, 31}, 2);
        var d = new EncodedPair(new int[]{5, 6, 7, 40}, 1);
        assertThat(LoglikelihoodScorer.sharedPrefix(List.of(c, d))).isEqualTo(3);
    }

    @Test
    void singleTokenContinuationsAfterASharedContextUseTheStoredPrefixLogits() {
        Transformer t = new Transformer(llama);
        var pairs = List.of(new EncodedPair(new int[]{1, 40, 41, 42, 50}, 1), new EncodedPair(new int[]{1, 40, 41, 42, 60}, 1));
        List<ChoiceScore> got = new LoglikelihoodScorer(t, Interventions.NONE).score(pairs);
        for (int c = 0; c < 2; c++) assertThat(got.get(c).logLikelihood()).isCloseTo(reference(t, pairs.get(c), Interventions.NONE)[0], within(1e-4));
    }

    @Test
    void rollingItemScoreIsTheSumOfIndependentWindowPasses() {
        Transformer t = new Transformer(llama);
        var tok = new ByteTestTokenizer(false);
        RequestEncoder enc = new RequestEncoder(tok, false, 40);
        TaskItem item = Tasks.get("wikitext").item(0, Documents.JSON.createObjectNode()
                .put("page", " = Title = \n \n some words , and more words ( here ) . \n a second line of text . \n ".repeat(3)));
        List<ChoiceScore> s = ItemScorer.of(enc, new LoglikelihoodScorer(t, Interventions.NONE)).score(item);
        String text = item.requests().getFirst().continuation();
        int[] ids = tok.encode(text, false, false);
        // windows built here by the rule, not by RollingWindows: the first predicts ids[0..40) after BOS,
        // each later one the next <= 40 ids from the 40 ids before its last prediction
        double expected = 0;
        int predicted = 0;
        while (predicted < ids.length) {
            int len = Math.min(40, ids.length - predicted);
            int[] seq;
            if (predicted == 0) {
                seq = new int[len + 1];
                seq[0] = 1;
                System.arraycopy(ids, 0, seq, 1, len);
            } else {
                seq = Arrays.copyOfRange(ids, predicted + len - 41, predicted + len);
            }
            expected += reference(t, new EncodedPair(seq, len), Interventions.NONE)[0];
            predicted += len;
        }
        assertThat(ids.length).isGreaterThan(80);   // at least three windows
        assertThat(s).hasSize(1);
        assertThat(s.getFirst().tokens()).isEqualTo(ids.length);
        assertThat(s.getFirst().logLikelihood()).isCloseTo(expected, within(1e-3));
    }
}
