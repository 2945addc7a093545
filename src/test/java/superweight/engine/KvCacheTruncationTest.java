package superweight.engine;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Truncating the KV cache forgets the later positions: scoring a second continuation after truncating back to the
 * shared prefix gives, bit for bit, the logits of a fresh cache fed prefix + that continuation the same way.
 */
class KvCacheTruncationTest {
    @Test
    void aTruncatedCacheScoresLikeAFreshOne() {
        Model m = ModelLoader.load(Fixtures.arch("llama").resolve("model-f32.gguf"));
        try {
            Transformer t = new Transformer(m);
            int[] prefix = {1, 40, 7, 99}, first = {12, 250, 3}, second = {77, 5};
            InferenceState st = t.newState(4);
            t.forward(st, prefix, Taps.NONE, Interventions.NONE, prefix.length, (p, l, o) -> { });
            t.forward(st, first, Taps.NONE, Interventions.NONE, first.length, (p, l, o) -> { });
            assertThat(st.length()).isEqualTo(7);
            st.truncate(4);
            assertThat(st.length()).isEqualTo(4);
            float[] reused = continuation(t, st, second);

            InferenceState fresh = t.newState(4);
            t.forward(fresh, prefix, Taps.NONE, Interventions.NONE, prefix.length, (p, l, o) -> { });
            assertThat(reused).containsExactly(continuation(t, fresh, second));
            // and the forgotten continuation did matter: scoring without truncating differs
            InferenceState kept = t.newState(8);
            t.forward(kept, prefix, Taps.NONE, Interventions.NONE, prefix.length, (p, l, o) -> { });
            t.forward(kept, first, Taps.NONE, Interventions.NONE, first.length, (p, l, o) -> { });
            assertThat(Arrays.equals(continuation(t, kept, second), reused)).isFalse();

            st.truncate(0);
            assertThat(st.length()).isZero();
            assertThatThrownBy(() -> st.truncate(1)).isInstanceOf(IllegalArgumentException.class).hasMessage("truncate to 1 of 0");
            assertThatThrownBy(() -> st.truncate(-1)).isInstanceOf(IllegalArgumentException.class).hasMessage("truncate to -1 of 0");
        } finally {
            m.checkpoint().close();
        }
    }

    private static float[] continuation(Transformer t, InferenceState st, int[] tokens) {
        int vocab = t.model().config().vocabSize(), start = st.length();
        float[] out = new float[tokens.length * vocab];
        t.forward(st, tokens, Taps.NONE, Interventions.NONE, 0, (p, l, o) -> System.arraycopy(l, o, out, (p - start) * vocab, vocab));
        return out;
    }
}
