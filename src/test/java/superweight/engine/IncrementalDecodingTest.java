package superweight.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoding through the KV cache (a prefix, then one token at a time) gives the reference logits of the single pass. */
class IncrementalDecodingTest {
    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "phi3", "olmo", "olmo2", "gemma", "gpt_neox"})
    void cachedDecodingMatchesReference(String arch) {
        var dir = Fixtures.arch(arch);
        int[] tokens = Fixtures.ints(Fixtures.json(dir.resolve("tokens.json")));
        float[] expected = Fixtures.floats(dir.resolve("logits.f32"));
        Model m = ModelLoader.load(dir.resolve("model-f32.gguf"));
        try {
            Transformer t = new Transformer(m);
            int vocab = m.config().vocabSize();
            float[] got = new float[tokens.length * vocab];
            LogitsSink sink = (pos, l, off) -> System.arraycopy(l, off, got, pos * vocab, vocab);
            InferenceState st = t.newState(4); // grows on demand
            t.forward(st, Arrays.copyOf(tokens, 7), Taps.NONE, Interventions.NONE, 0, sink);
            for (int i = 7; i < tokens.length; i++) t.forward(st, new int[]{tokens[i]}, Taps.NONE, Interventions.NONE, 0, sink);
            assertThat(st.length()).isEqualTo(tokens.length);
            assertThat(Fixtures.maxAbsDiff(got, expected)).isLessThanOrEqualTo(1e-4f);
        } finally {
            m.checkpoint().close();
        }
    }
}
