package superweight.engine;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.ModelConfig;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With a window of W, a one-layer model's output at position p depends only on tokens p-W+1..p; RoPE makes
 * attention depend on relative positions only, so running those W tokens alone (from position 0) gives the same
 * logits at their last position.
 */
class SlidingWindowTest {
    @Test
    void oneLayerOutputSeesOnlyTheWindow() {
        Model full = ModelLoader.load(Fixtures.arch("llama"));
        try {
            int w = 5;
            ModelConfig c = full.config();
            ModelConfig oneLayer = new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), 1, c.heads(), c.kvHeads(),
                    c.headDim(), c.vocabSize(), c.contextLength(), c.ropeTheta(), c.rotaryDims(), c.ropeScaling(), c.norm(), c.normEps(),
                    c.activation(), c.gatedMlp(), c.parallelResidual(), c.postNorms(), c.qkNorm(), c.clipQkv(), c.embeddingScale(),
                    c.tiedEmbeddings(), c.bosId(), c.eosId(), w);
            Model m = new Model(full.id(), oneLayer, full.embeddings(), full.layers().subList(0, 1), full.finalNorm(),
                    full.finalNormBias(), full.lmHead(), full.checkpoint());
            int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("llama").resolve("tokens.json")));
            Transformer t = new Transformer(m);
            float[] all = t.logits(tokens);
            int vocab = c.vocabSize();
            for (int p = w; p < tokens.length; p += 7) {
                float[] alone = t.logits(Arrays.copyOfRange(tokens, p - w + 1, p + 1));
                float[] got = Arrays.copyOfRange(all, p * vocab, (p + 1) * vocab);
                float[] want = Arrays.copyOfRange(alone, (w - 1) * vocab, w * vocab);
                assertThat(Fixtures.maxAbsDiff(got, want)).as("position %d", p).isLessThanOrEqualTo(1e-4f);
            }
            // Without the window the same comparison fails: the earlier tokens matter.
            float[] unwindowed = new Transformer(new Model(m.id(), oneLayer.withSlidingWindow(0), m.embeddings(), m.layers(),
                    m.finalNorm(), m.finalNormBias(), m.lmHead(), m.checkpoint())).logits(tokens);
            float[] alone = t.logits(Arrays.copyOfRange(tokens, 20 - w + 1, 21));
            assertThat(Fixtures.maxAbsDiff(Arrays.copyOfRange(unwindowed, 20 * vocab, 21 * vocab),
                    Arrays.copyOfRange(alone, (w - 1) * vocab, w * vocab))).isGreaterThan(1e-2f);
        } finally {
            full.checkpoint().close();
        }
    }
}
