package superweight.eval;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.engine.LogProbs;
import superweight.engine.Transformer;
import superweight.model.Model;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * is-greedy (lm-eval's second log-likelihood output; lambada's acc) from the real scorer: a continuation made of
 * the model's own argmax tokens, found here by full forward passes, is greedy; one token off anywhere is not. Both
 * scorer paths are covered: multi-token continuations and single tokens after a shared context (scored from the
 * stored prefix logits). Catches a scorer that reports every continuation as non-greedy (or greedy), or checks
 * only the first or the last token.
 */
class GreedyContinuationTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.shared().resolve("fixtures/planted/model-f32.gguf"));
    static final Model model = LOADED.model();
    static Transformer t;
    static final int[] CONTEXT = {1, 197, 218, 67, 201};

    @BeforeAll
    static void load() {
        t = new Transformer(model);
    }

    /** CONTEXT followed by n tokens, each the argmax of a full pass over everything before it. */
    private static int[] greedyContinuation(int n) {
        int vocab = model.config().vocabSize();
        int[] seq = CONTEXT.clone();
        for (int i = 0; i < n; i++) {
            float[] logits = t.logits(seq);
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = LogProbs.argmax(logits, (seq.length - 2) * vocab, vocab);
        }
        return seq;
    }

    private static int[] withTokenChanged(int[] seq, int at) {
        int[] r = seq.clone();
        r[at] = (r[at] + 1) % model.config().vocabSize();
        return r;
    }

    @Test
    void theModelsOwnArgmaxContinuationIsGreedyAndAnyOtherTokenIsNot() {
        int[] greedy = greedyContinuation(3);
        int n = greedy.length;
        List<ChoiceScore> s = new LoglikelihoodScorer(t, Interventions.NONE).score(List.of(
                new EncodedPair(greedy, 3),
                new EncodedPair(withTokenChanged(greedy, n - 3), 3),   // first continuation token off
                new EncodedPair(withTokenChanged(greedy, n - 1), 3)));  // last one off
        assertThat(s).extracting(ChoiceScore::greedy).containsExactly(true, false, false);
    }

    @Test
    void singleTokensAfterASharedContextAreGreedyOnlyForTheArgmax() {
        int[] greedy = greedyContinuation(1);
        List<ChoiceScore> s = new LoglikelihoodScorer(t, Interventions.NONE).score(List.of(
                new EncodedPair(withTokenChanged(greedy, greedy.length - 1), 1), new EncodedPair(greedy, 1)));
        assertThat(s).extracting(ChoiceScore::greedy).containsExactly(false, true);
    }
}
