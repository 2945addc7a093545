package superweight.engine;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.eval.ModelFingerprint;
import superweight.model.KernelMode;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.Int8KernelTensor;
import superweight.model.tensor.Parallel;
import superweight.model.tensor.StoredTensor;
import superweight.model.tensor.Tensor;
import superweight.quant.GgmlQuantizer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --kernels int8} on the llama fixture with Q8_0 linear layers (those whose rows are whole 32-value blocks,
 * as llama.cpp quantizes them): a derivation of its own (never the default, never sharing stored results with the
 * float path), logits near the float path's but not equal to them, and the same bits at 1, 2 and 3 threads and for a
 * split batch.
 */
class Int8KernelModeTest {
    @Test
    void int8IsANamedDerivationWithItsOwnFingerprint() {
        Model f32 = ModelLoader.load(Fixtures.arch("llama"));
        try {
            Model q = quantized(f32);
            Model int8 = KernelMode.INT8.apply(q);
            assertThat(KernelMode.FLOAT.apply(q)).isSameAs(q);
            assertThat(KernelMode.of(q)).isEqualTo(KernelMode.FLOAT);
            assertThat(KernelMode.of(int8)).isEqualTo(KernelMode.INT8);
            assertThat(int8.derivation()).containsExactly(KernelMode.INT8_STEP);
            assertThat(KernelMode.INT8.apply(int8)).isSameAs(int8);
            assertThat(ModelFingerprint.of(int8)).isNotEqualTo(ModelFingerprint.of(q));
            assertThat(int8.layers().get(0).linear(Linear.Q)).isInstanceOf(Int8KernelTensor.class);
            // ffn_down has 176 columns (not whole blocks): it stays F32 and in float
            assertThat(int8.layers().get(0).linear(Linear.DOWN)).isNotInstanceOf(Int8KernelTensor.class);
        } finally {
            f32.checkpoint().close();
        }
    }

    @Test
    void logitsStayNearTheFloatPathAndAreDeterministic() {
        Model f32 = ModelLoader.load(Fixtures.arch("llama"));
        try {
            int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("llama").resolve("tokens.json")));
            Model q = quantized(f32);
            Transformer t = new Transformer(KernelMode.INT8.apply(q));
            float[] exact = new Transformer(q).logits(tokens), int8 = t.logits(tokens);
            float scale = 0;
            for (float v : exact) scale = Math.max(scale, Math.abs(v));
            assertThat(Fixtures.maxAbsDiff(int8, exact)).isGreaterThan(0f).isLessThan(0.05f * scale); // measured: 0.079 of 3.26
            for (int threads : new int[]{1, 2, 3}) {
                int before = Parallel.threads();
                Parallel.useThreads(threads);
                try {
                    assertThat(t.logits(tokens)).as("%d threads", threads).containsExactly(int8);
                } finally {
                    Parallel.useThreads(before);
                }
            }
            // the same sequence in two calls over the KV cache (3 positions, then the rest)
            int vocab = q.config().vocabSize();
            float[] split = new float[int8.length];
            InferenceState st = t.newState(tokens.length);
            LogitsSink sink = (pos, l, off) -> System.arraycopy(l, off, split, pos * vocab, vocab);
            t.forward(st, Arrays.copyOf(tokens, 3), Taps.NONE, Interventions.NONE, 0, sink);
            t.forward(st, Arrays.copyOfRange(tokens, 3, tokens.length), Taps.NONE, Interventions.NONE, 0, sink);
            assertThat(split).containsExactly(int8);
        } finally {
            f32.checkpoint().close();
        }
    }

    @Test
    void anUnknownModeIsAOneLineError() {
        assertThat(KernelMode.parse("INT8")).isEqualTo(KernelMode.INT8);
        assertThatThrownBy(() -> KernelMode.parse("fp16")).isInstanceOf(SuperweightException.class)
                .hasMessage("--kernels fp16: expected float, int8 or int8-x86");
    }

    @Test
    void int8X86IsADerivationOfItsOwnThatRoundsTheRowsDifferently() {
        Model f32 = ModelLoader.load(Fixtures.arch("llama"));
        try {
            int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("llama").resolve("tokens.json")));
            Model q = quantized(f32);
            Model x86 = KernelMode.parse("int8-x86").apply(q), int8 = KernelMode.INT8.apply(q);
            assertThat(KernelMode.of(x86)).isEqualTo(KernelMode.INT8_X86);
            assertThat(KernelMode.INT8_X86.label()).isEqualTo("int8-x86");
            assertThat(x86.derivation()).containsExactly(KernelMode.INT8_X86_STEP);
            assertThat(KernelMode.INT8_X86.apply(x86)).isSameAs(x86);
            assertThat(ModelFingerprint.of(x86)).isNotEqualTo(ModelFingerprint.of(int8));
            assertThatThrownBy(() -> KernelMode.INT8.apply(x86)).isInstanceOf(SuperweightException.class)
                    .hasMessage("the model already runs in --kernels int8-x86, not int8");
            // different halves and last bits of 1 / d somewhere in the fixture's activations: other logits
            assertThat(new Transformer(x86).logits(tokens)).isNotEqualTo(new Transformer(int8).logits(tokens));
        } finally {
            f32.checkpoint().close();
        }
    }

    /** Every linear layer whose rows are whole 32-value blocks as Q8_0 (llama.cpp's reference quantizer). */
    private static Model quantized(Model f32) {
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights w : f32.layers()) {
            for (Linear which : Linear.values()) {
                Tensor t = w.linear(which);
                if (t == null || t.cols() % 32 != 0) continue;
                float[] values = new float[(int) t.elements()];
                for (int r = 0; r < t.rows(); r++) t.readRow(r, values, r * t.cols());
                MemorySegment bytes = MemorySegment.ofArray(GgmlQuantizer.q8_0(values));
                w = w.with(which, StoredTensor.of(GgmlType.Q8_0, t.name(), t.rows(), t.cols(), bytes));
            }
            layers.add(w);
        }
        return f32.withLayers(layers);
    }
}
