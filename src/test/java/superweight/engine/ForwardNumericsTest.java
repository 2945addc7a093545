package superweight.engine;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;
import superweight.model.tensor.EditedTensor;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The forward pass reports the first non-finite value where it appears: with --check-numerics at the embedding, each
 * layer's attention output, MLP output and residual stream, and the final norm; always at the logits. Each case
 * plants the fault by hand in the llama fixture (3 layers, hidden 64) so the expected layer, operation, position
 * and channel follow from where it was planted: a NaN weight W[r, c] of a projection makes output channel r NaN at
 * every position (NaN times anything is NaN), a NaN embedding element makes that token's position NaN.
 */
class ForwardNumericsTest {
    private static final int[] TOKENS = {1, 197, 218, 67};
    private static final String FIRST = " (the first non-finite value of this forward pass)";
    @AutoClose
    private static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("llama"));
    private static final Model model = LOADED.model();

    @AfterEach
    void off() {
        NumericsCheck.perLayer(false);
    }

    private static Interventions nan(int layer, Linear linear, int row, int col) {
        return Interventions.of(List.of(WeightEdit.set(layer, linear, row, col, Float.NaN)));
    }

    @Test
    void aNaNWeightIsFoundInTheLayerAndOperationItFeeds() {
        Transformer t = new Transformer(model);
        NumericsCheck.perLayer(true);
        assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, nan(1, Linear.O, 5, 0))).isInstanceOf(NumericalFault.class)
                .hasMessage("layer 1 attention output: NaN at position 0, channel 5" + FIRST);
        assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, nan(2, Linear.DOWN, 7, 3)))
                .hasMessage("layer 2 MLP output (down_proj): NaN at position 0, channel 7" + FIRST);
        // both: layer 1's attention comes before layer 2's MLP
        Interventions both = nan(2, Linear.DOWN, 7, 3).withWeightEdits(nan(1, Linear.O, 5, 0).weightEdits());
        assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, both)).hasMessage("layer 1 attention output: NaN at position 0, channel 5" + FIRST);
        // without the per-layer checks the logits check still stops it: the final RMSNorm spreads the NaN to every channel
        NumericsCheck.perLayer(false);
        assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, nan(2, Linear.DOWN, 7, 3))).isInstanceOf(NumericalFault.class)
                .hasMessage("logits: NaN at position 0, token 0; run with --check-numerics to find the first layer and operation where it appeared");
        assertThat(t.logits(TOKENS)).doesNotContain(Float.NaN);
    }

    @Test
    void positionsAreAbsoluteInADecodeStep() {
        Transformer t = new Transformer(model);
        NumericsCheck.perLayer(true);
        InferenceState st = t.newState(8);
        t.forward(st, new int[]{1, 197, 218}, Taps.NONE, Interventions.NONE, 3, (p, l, o) -> { });
        assertThatThrownBy(() -> t.forward(st, new int[]{67}, Taps.NONE, nan(0, Linear.DOWN, 11, 2), 0, (p, l, o) -> { }))
                .hasMessage("layer 0 MLP output (down_proj): NaN at position 3, channel 11" + FIRST);
        NumericsCheck.perLayer(false);
        InferenceState st2 = t.newState(8);
        t.forward(st2, new int[]{1, 197, 218}, Taps.NONE, Interventions.NONE, 3, (p, l, o) -> { });
        assertThatThrownBy(() -> t.forward(st2, new int[]{67, 201}, Taps.NONE, nan(0, Linear.DOWN, 11, 2), 0, (p, l, o) -> { }))
                .hasMessageStartingWith("logits: NaN at position 3, token 0;");
    }

    @Test
    void anOverflowingSumIsFoundInTheResidualStream() {
        // Channel 9 of position 0 set to the largest float by the MLP of layers 0 and 1: each MLP output is finite,
        // their sum in the residual stream is not (and the stream after layer 0, about MAX_VALUE, still is).
        Transformer t = new Transformer(model);
        NumericsCheck.perLayer(true);
        Interventions iv = Interventions.NONE.withActivationOverrides(List.of(
                new ActivationOverride(0, 0, 9, Float.MAX_VALUE), new ActivationOverride(1, 0, 9, Float.MAX_VALUE)));
        assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, iv)).hasMessage("layer 1 residual stream: Infinity at position 0, channel 9" + FIRST);
    }

    @Test
    void embeddingAndFinalNormAreCheckedToo() {
        NumericsCheck.perLayer(true);
        // token 197 (position 1) with a NaN in channel 4 of its embedding row
        Model badEmbedding = model.derived("nan-embedding", new EditedTensor(model.embeddings(), Map.of(197L, Map.of(4, Float.NaN))),
                model.layers(), model.lmHead());
        assertThatThrownBy(() -> new Transformer(badEmbedding).logits(TOKENS)).hasMessage("embedding: NaN at position 1, channel 4" + FIRST);
        // a NaN final-norm weight makes channel 3 of every position NaN after the norm, before the head
        float[] norm = model.finalNorm().clone();
        norm[3] = Float.NaN;
        Model badNorm = new Model(model.id(), model.config(), model.embeddings(), model.layers(), norm, model.finalNormBias(), model.lmHead(),
                model.checkpoint());
        assertThatThrownBy(() -> new Transformer(badNorm).logits(TOKENS)).hasMessage("final norm: NaN at position 0, channel 3" + FIRST);
        // the same model without the per-layer checks: the head turns channel 3's NaN into NaN logits for every token
        NumericsCheck.perLayer(false);
        assertThatThrownBy(() -> new Transformer(badNorm).logits(TOKENS)).hasMessageStartingWith("logits: NaN at position 0, token 0;");
    }

    @Test
    void parallelResidualBlocksAreCheckedAndLogitsPositionsCountAcrossChunks() {
        Model neox = ModelLoader.load(Fixtures.arch("gpt_neox"));
        try {
            assertThat(neox.config().parallelResidual()).isTrue();
            Transformer t = new Transformer(neox);
            NumericsCheck.perLayer(true);
            assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, nan(2, Linear.DOWN, 7, 3)))
                    .hasMessage("layer 2 MLP output (down_proj): NaN at position 0, channel 7" + FIRST);
            assertThatThrownBy(() -> t.logits(TOKENS, Taps.NONE, nan(1, Linear.O, 5, 0)))
                    .hasMessage("layer 1 attention output: NaN at position 0, channel 5" + FIRST);
        } finally {
            neox.checkpoint().close();
        }
        // 24 positions are scored in chunks of at most 16; a NaN written at position 20 only is found in the second
        NumericsCheck.perLayer(false);
        int[] tokens = new int[24];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 3 + 7 * i;
        Interventions late = Interventions.NONE.withActivationOverrides(List.of(new ActivationOverride(2, 20, 0, Float.NaN)));
        assertThatThrownBy(() -> new Transformer(model).logits(tokens, Taps.NONE, late))
                .hasMessageStartingWith("logits: NaN at position 20, token 0;");
    }
}
