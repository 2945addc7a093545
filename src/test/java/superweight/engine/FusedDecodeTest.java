package superweight.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A decode step runs q, k, v (and gate, up) as one fused range; with a linear-input hook (here one that changes
 * nothing) each linear runs alone. Both must give the same logits bit for bit: q, k or v (or gate and up) swapped,
 * a bias dropped or added twice (qwen2 has q/k/v biases, gpt_neox an ungated MLP) would show here.
 */
class FusedDecodeTest {
    private static final LinearInputHook UNCHANGED = new LinearInputHook() {
        @Override
        public void apply(int layer, Linear linear, float[] x, int n, int cols) {
        }

        @Override
        public String key() {
            return "unchanged";
        }
    };

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "phi3", "gpt_neox"})
    void fusedDecodeGivesTheBitsOfOneLinearAtATime(String arch) {
        var dir = Fixtures.arch(arch);
        int[] tokens = Fixtures.ints(Fixtures.json(dir.resolve("tokens.json")));
        Model m = ModelLoader.load(dir.resolve("model-f32.gguf"));
        try {
            Transformer t = new Transformer(m);
            float[] fused = decode(t, tokens, Interventions.NONE);
            float[] alone = decode(t, tokens, Interventions.NONE.withLinearInputHook(UNCHANGED));
            assertThat(Arrays.equals(fused, alone)).isTrue();
        } finally {
            m.checkpoint().close();
        }
    }

    private static float[] decode(Transformer t, int[] tokens, Interventions iv) {
        int vocab = t.model().config().vocabSize();
        float[] got = new float[tokens.length * vocab];
        InferenceState st = t.newState(tokens.length);
        for (int token : tokens) {
            t.forward(st, new int[]{token}, Taps.NONE, iv, 0, (pos, l, off) -> System.arraycopy(l, off, got, pos * vocab, vocab));
        }
        return got;
    }
}
