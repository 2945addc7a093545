package superweight.model;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.format.TestSafetensors;
import superweight.model.tensor.F32Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The model record: parameter count from the file's shapes, encoder flag, and derivations appended in order. */
class ModelRecordTest {
    @Test
    void parameterCountIsTheSumOfTheStoredShapes() throws Exception {
        long expected = 0;
        for (var t : TestSafetensors.read(Fixtures.arch("llama").resolve("model.safetensors")).values()) {
            long n = 1;
            for (long d : t.shape()) n *= d;
            expected += n;
        }
        // by hand from config.json: embeddings + head 2 * 320 * 64, per layer q 64*64 + k, v 32*64 + o 64*64 + 3 * 176*64 + 2 norms, final norm
        assertThat(expected).isEqualTo(2L * 320 * 64 + 3L * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 176 * 64 + 2 * 64) + 64);
        Model m = ModelLoader.load(Fixtures.arch("llama"));
        try {
            assertThat(m.parameterCount()).isEqualTo(expected);
            assertThat(m.isEncoder()).isFalse();
        } finally {
            m.checkpoint().close();
        }
        Model bert = ModelLoader.load(Fixtures.arch("bert"));
        try {
            assertThat(bert.isEncoder()).isTrue();
        } finally {
            bert.checkpoint().close();
        }
    }

    /** --kernels takes the names users see in output, in any case; anything else is a one-line error. */
    @Test
    void kernelModeNamesAreWhatUsersType() {
        assertThat(KernelMode.FLOAT.label()).isEqualTo("float");
        assertThat(KernelMode.INT8.label()).isEqualTo("int8");
        assertThat(KernelMode.INT8_X86.label()).isEqualTo("int8-x86");
        assertThat(KernelMode.parse("Float")).isEqualTo(KernelMode.FLOAT);
        assertThat(KernelMode.parse("INT8-x86")).isEqualTo(KernelMode.INT8_X86);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KernelMode.parse("int4"))
                .isInstanceOf(superweight.SuperweightException.class).hasMessage("--kernels int4: expected float, int8 or int8-x86");
    }

    @Test
    void derivedModelsAppendTheirStepAndViewsKeepTheDerivation() {
        Model m = ModelLoader.load(Fixtures.arch("llama"));
        try {
            assertThat(m.derivation()).isEmpty();
            List<LayerWeights> layers = new ArrayList<>(m.layers());
            layers.set(1, layers.get(1).with(Linear.DOWN, F32Tensor.of("d", 64, 176, new float[64 * 176])));
            Model a = m.derived("quant{bits=4}", m.embeddings(), layers, m.lmHead());
            Model b = a.derived("restore{1:2:3}", a.embeddings(), a.layers(), a.lmHead());
            assertThat(b.derivation()).containsExactly("quant{bits=4}", "restore{1:2:3}");
            assertThat(m.derivation()).isEmpty();
            assertThat(b.layers().get(1).down().name()).isEqualTo("d");
            Model view = b.withLayers(m.layers());
            assertThat(view.derivation()).containsExactly("quant{bits=4}", "restore{1:2:3}");
            assertThat(view.layers().get(1).down()).isSameAs(m.layers().get(1).down());
            assertThat(view.config()).isSameAs(m.config());
            assertThat(view.id()).isEqualTo(m.id());
            assertThat(view.finalNorm()).isSameAs(m.finalNorm());
        } finally {
            m.checkpoint().close();
        }
    }
}
