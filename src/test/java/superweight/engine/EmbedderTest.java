package superweight.engine;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Sentence embeddings: any batch size gives the one-at-a-time vectors, in order, unit length; HF-style truncation. */
class EmbedderTest {
    @Test
    void batchesDoNotChangeTheVectorsOrTheirOrder() {
        Model m = ModelLoader.load(Fixtures.arch("bert").resolve("model.safetensors"));
        try {
            Embedder e = new Embedder(m, Pooling.MEAN);
            List<int[]> seqs = List.of(new int[]{101, 137, 209, 102}, new int[]{101, 300, 102}, new int[]{101, 5, 6, 7, 102});
            List<float[]> single = e.embed(seqs, 1, Interventions.NONE);
            List<float[]> batched = e.embed(seqs, 2, Interventions.NONE);
            assertThat(batched).hasSize(3);
            for (int s = 0; s < 3; s++) {
                assertThat(batched.get(s)).containsExactly(single.get(s));
                double norm = 0;
                for (float v : single.get(s)) norm += v * v;
                assertThat(norm).isCloseTo(1.0, within(1e-5));
            }
            assertThat(single.get(0)).isNotEqualTo(single.get(1));
            // each vector is the pooled hidden state of its own sequence
            float[] want = Pooling.MEAN.embed(new Encoder(m).hiddenStates(seqs.get(2)), 5, m.config().hiddenSize());
            assertThat(e.embed(seqs, 3, Interventions.NONE).get(2)).containsExactly(want);
            assertThatThrownBy(() -> e.embed(seqs, 0, Interventions.NONE)).isInstanceOf(IllegalArgumentException.class);
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void truncationKeepsClsTheFirstPiecesAndSep() {
        int[] ids = {101, 1, 2, 3, 4, 102};
        assertThat(Embedder.truncate(ids, 4)).containsExactly(101, 1, 2, 102);
        assertThat(Embedder.truncate(ids, 6)).isSameAs(ids);
        assertThat(Embedder.truncate(ids, 5)).containsExactly(101, 1, 2, 3, 102);
    }
}
