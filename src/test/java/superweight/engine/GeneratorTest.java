package superweight.engine;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sampling follows softmax(logits / T), greedy decoding is argmax, and generation stops at the stop id. */
class GeneratorTest {
    @AutoClose
    private static final FixtureModel LOADED = FixtureModel.load(Fixtures.shared().resolve("models/llama2c-260k/model.bin"));
    private static final Model model = LOADED.model();

    @Test
    void samplingDrawsInProportionToTheSoftmax() {
        // logits {0, ln 3, -inf-ish}: p = {1/4, 3/4, 0} at T = 1, {1/10, 9/10, 0} at T = 0.5 (3^2 = 9)
        float[] logits = {0f, (float) Math.log(3), -80f};
        Random rnd = new Random(7);
        int[] counts = new int[3], sharp = new int[3];
        for (int i = 0; i < 20_000; i++) counts[Generator.sample(logits, 1f, rnd)]++;
        for (int i = 0; i < 20_000; i++) sharp[Generator.sample(logits, 0.5f, rnd)]++;
        // binomial standard deviation sqrt(20000 * 0.25 * 0.75) = 61: +-5 sigma
        assertThat(counts[1]).isBetween(15_000 - 310, 15_000 + 310);
        assertThat(sharp[1]).isBetween(18_000 - 215, 18_000 + 215);   // sigma = sqrt(20000 * 0.1 * 0.9) = 42
        assertThat(counts[2] + sharp[2]).isZero();
    }

    @Test
    void samplingIsTheInverseCdfOfTheSeededUniform() {
        float[] logits = {0f, 0f, 0f, 0f};   // uniform: index = floor(4u)
        Random expected = new Random(42);
        Random rnd = new Random(42);
        for (int i = 0; i < 50; i++) {
            int want = (int) Math.floor(expected.nextDouble() * 4);
            assertThat(Generator.sample(logits, 1f, rnd)).isEqualTo(want);
        }
    }

    @Test
    void greedyIsArgmaxAndTheStopIdEndsGeneration() {
        Transformer t = new Transformer(model);
        Generator g = new Generator(t);
        int[] prompt = {1};
        List<Integer> free = g.generate(prompt, 12, 0f, 0, -1, Interventions.NONE);
        assertThat(free).hasSize(12);
        // greedy: every next token is the argmax of a full pass over prompt + what came before
        int[] seq = {1, free.get(0), free.get(1), free.get(2)};
        float[] logits = t.logits(seq);
        int vocab = model.config().vocabSize();
        for (int p = 0; p < 3; p++) assertThat(LogProbs.argmax(logits, p * vocab, vocab)).isEqualTo(seq[p + 1]);
        // stop at the 4th generated token: it is included and nothing follows
        List<Integer> stopped = g.generate(prompt, 12, 0f, 0, free.get(3), Interventions.NONE);
        int first = free.indexOf(free.get(3));
        assertThat(stopped).isEqualTo(free.subList(0, first + 1));
        // sampling at a high temperature leaves the greedy path (with this seed) and is reproducible
        List<Integer> sampled = g.generate(prompt, 12, 1.5f, 3, -1, Interventions.NONE);
        assertThat(sampled).isNotEqualTo(free).isEqualTo(g.generate(prompt, 12, 1.5f, 3, -1, Interventions.NONE));
    }

    @Test
    void anEmptyPromptIsRefusedAndZeroTokensGenerateNothing() {
        Generator g = new Generator(new Transformer(model));
        assertThatThrownBy(() -> g.generate(new int[0], 5, 0f, 0, -1, Interventions.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("empty prompt");
        assertThat(g.generate(new int[]{1}, 0, 0f, 0, -1, Interventions.NONE)).isEmpty();
        // one token: the argmax after the prompt, even when it is the stop id
        List<Integer> one = g.generate(new int[]{1}, 1, 0f, 0, -1, Interventions.NONE);
        int vocab = model.config().vocabSize();
        assertThat(one).containsExactly(LogProbs.argmax(new Transformer(model).logits(new int[]{1}), 0, vocab));
        assertThat(g.generate(new int[]{1}, 1, 0f, 0, one.get(0), Interventions.NONE)).isEqualTo(one);
    }
}
