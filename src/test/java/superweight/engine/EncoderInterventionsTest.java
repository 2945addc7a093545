package superweight.engine;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.F32Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The encoder's inputs are checked, and its interventions act on each sequence of a packed batch on its own with
 * positions counted from 0 (the tiny BERT fixture: 3 layers, hidden 64, intermediate 176, 64 positions, vocabulary 320).
 * Expected values come from a differently built model (zero weights instead of a hook that zeroes their input) and
 * from what the taps see after an override or hook wrote it.
 */
class EncoderInterventionsTest {
    private static final List<int[]> SEQS = List.of(new int[]{101, 137, 209, 102}, new int[]{101, 300, 102}, new int[]{101, 5, 6, 7, 8, 102});
    @AutoClose
    private static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("bert").resolve("model.safetensors"));
    private static final Model model = LOADED.model();

    @Test
    void inputsAreChecked() {
        Encoder e = new Encoder(model);
        assertThat(model.config().contextLength()).isEqualTo(64);
        assertThatThrownBy(() -> e.hiddenStates(List.of(new int[]{101}, new int[0]), Taps.NONE, Interventions.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("empty sequence 1");
        int[] tooLong = new int[65];
        Arrays.fill(tooLong, 5);
        assertThatThrownBy(() -> e.hiddenStates(tooLong)).hasMessage("sequence 0 has 65 tokens, more than the model's 64 positions");
        int[] longest = Arrays.copyOf(tooLong, 64);
        assertThat(e.hiddenStates(longest)).hasSize(64 * 64);
        assertThatThrownBy(() -> e.hiddenStates(new int[]{101, 320})).hasMessage("token id 320 outside vocabulary of 320");
        assertThatThrownBy(() -> e.hiddenStates(new int[]{-1})).hasMessage("token id -1 outside vocabulary of 320");
        assertThat(e.hiddenStates(new int[]{319})).hasSize(64);
        Model decoder = ModelLoader.load(Fixtures.arch("llama"));
        try {
            assertThatThrownBy(() -> new Encoder(decoder)).isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(" is not an encoder");
        } finally {
            decoder.checkpoint().close();
        }
    }

    @Test
    void aLinearInputHookSeesEachSequenceAndEqualsChangedWeights() {
        List<String> calls = new ArrayList<>();
        var hook = Interventions.NONE.withLinearInputHook(LinearInputHook.of("zero-down", (layer, linear, x, n, cols) -> {
            if (layer == 0) calls.add(linear + ":" + n + "x" + cols + "=" + x.length);
            if (linear == Linear.DOWN) Arrays.fill(x, 0f);
        }));
        List<LayerWeights> zeroDown = new ArrayList<>();
        for (LayerWeights w : model.layers()) {
            zeroDown.add(w.with(Linear.DOWN, F32Tensor.of("zero", w.down().rows(), w.down().cols(), new float[(int) w.down().elements()])));
        }
        Encoder plain = new Encoder(model.withLayers(zeroDown));
        List<float[]> viaHook = new Encoder(model).hiddenStates(SEQS, Taps.NONE, hook);
        for (int s = 0; s < SEQS.size(); s++) {
            assertThat(Fixtures.maxAbsDiff(viaHook.get(s), plain.hiddenStates(SEQS.get(s)))).as("sequence %d", s).isLessThanOrEqualTo(1e-5f);
        }
        assertThat(Fixtures.maxAbsDiff(viaHook.get(0), new Encoder(model).hiddenStates(SEQS.get(0)))).isGreaterThan(1e-3f);
        // layer 0's calls: per linear, one per sequence, with that sequence's rows only
        assertThat(calls).containsExactly(
                "Q:4x64=256", "Q:3x64=192", "Q:6x64=384", "K:4x64=256", "K:3x64=192", "K:6x64=384", "V:4x64=256", "V:3x64=192", "V:6x64=384",
                "O:4x64=256", "O:3x64=192", "O:6x64=384", "UP:4x64=256", "UP:3x64=192", "UP:6x64=384",
                "DOWN:4x176=704", "DOWN:3x176=528", "DOWN:6x176=1056");
    }

    /** Per sequence, what layer 1's down projection received and produced, as the taps saw it. */
    private static final class Seen implements Taps {
        final List<float[]> in = new ArrayList<>(), out = new ArrayList<>();

        @Override
        public void downProjInput(int layer, int start, float[] x, int n, int dim) {
            assertThat(start).isZero();
            if (layer == 1) in.add(Arrays.copyOf(x, n * dim));
        }

        @Override
        public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
            if (layer == 1) out.add(Arrays.copyOf(y, n * dim));
        }
    }

    @Test
    void overridesAndOutputHooksActPerSequenceFromPositionZero() {
        int d = 64;
        // position 3 exists in sequences 0 and 2 only (sequence 1 has 3 tokens); channel 5 of layer 1 becomes 42
        List<int[]> hookCalls = new ArrayList<>();
        Interventions iv = Interventions.NONE.withActivationOverrides(List.of(new ActivationOverride(1, 3, 5, 42f)))
                .withDownProjOutputHook(DownProjOutputHook.of("chan2", (layer, start, input, output, n, inDim, outDim) -> {
                    if (layer != 1) return;
                    hookCalls.add(new int[]{start, n, inDim, outDim, input.length, output.length});
                    for (int i = 0; i < n; i++) output[i * outDim + 2] = input[i * inDim];   // channel 2 := input channel 0
                }));
        Seen seen = new Seen();
        List<float[]> batch = new Encoder(model).hiddenStates(SEQS, seen, iv);
        int[] lengths = {4, 3, 6};
        assertThat(hookCalls).hasSize(3);
        for (int s = 0; s < 3; s++) {
            int n = lengths[s];
            assertThat(hookCalls.get(s)).containsExactly(0, n, 176, d, n * 176, n * d);
            float[] in = seen.in.get(s), out = seen.out.get(s);
            for (int i = 0; i < n; i++) assertThat(out[i * d + 2]).isEqualTo(in[i * 176]);
            if (n > 3) assertThat(out[3 * d + 5]).isEqualTo(42f);
            assertThat(out[2 * d + 5]).isNotEqualTo(42f);
            // the same intervention on the sequence alone gives the same hidden state
            assertThat(batch.get(s)).containsExactly(new Encoder(model).hiddenStates(SEQS.get(s), Taps.NONE, iv));
        }
    }
}
