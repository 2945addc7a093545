package superweight.engine;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.ModelConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A context the KV cache cannot hold is refused in one line before any allocation, never as an OutOfMemoryError. */
class ResourceLimitTest {
    private static ModelConfig llama() {
        Model m = ModelLoader.load(Fixtures.arch("llama").resolve("model-f32.gguf"));
        m.checkpoint().close();
        return m.config();
    }

    @Test
    void aContextBeyondAJavaArray() {
        ModelConfig c = llama(); // kvDim 32: at most (2^31 - 9) / 32 = 67108863 positions per layer array
        assertThat(c.kvDim()).isEqualTo(32);
        assertThatThrownBy(() -> new InferenceState(c, 67_108_864)).isInstanceOf(SuperweightException.class)
                .hasMessage("a context of 67108864 positions needs 2147483648 cached keys per layer, more than a Java array holds "
                        + "(at most 67108863 positions for this model)");
    }

    @Test
    void aContextBeyondTheHeap() {
        ModelConfig c = llama(); // (3 layers x 2 + 1 layer of key panels) x 32 x 4 bytes = 896 bytes per position: 60M positions = 50 GiB
        long heap = Runtime.getRuntime().maxMemory();
        assertThat(60_000_000L * 896).isGreaterThan(heap);
        assertThatThrownBy(() -> new InferenceState(c, 60_000_000)).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith("a context of 60000000 positions needs 51269 MiB of KV cache and attention scratch but the JVM has")
                .hasMessageContaining("SUPERWEIGHT_JAVA_OPTS=-Xmx");
    }

    @Test
    void growingTheCacheIsCheckedToo() {
        InferenceState st = new InferenceState(llama(), 4);
        assertThatThrownBy(() -> st.ensureCapacity(60_000_000)).hasMessageStartingWith("a context of 60000000 positions needs");
        assertThat(st.capacity).isEqualTo(4);
    }
}
