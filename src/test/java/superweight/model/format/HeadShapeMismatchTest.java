package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.ModelLoader;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A fuzz finding (CI run of FuzzGgufTest, 2026-12-02): GGUF metadata whose head geometry asks for more Q rows than
 * attn_q has made the loader's row view throw IllegalArgumentException; it must be a one-line refusal.
 */
class HeadShapeMismatchTest {
    @TempDir
    Path tmp;

    @Test
    void moreHeadRowsThanTheTensorHasIsRefusedInOneLine() {
        Path out = tmp.resolve("llama-wide-heads.gguf");
        try (GgufFile g = GgufFile.open(Fixtures.arch("llama").resolve("model-f32.gguf"))) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? java.util.Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            w.put("llama.attention.key_length", 32);   // 4 heads x 32 = 128 rows, attn_q has 64
            w.put("llama.attention.value_length", 32);
            for (var t : g.tensors().values()) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(ValueLayout.JAVA_BYTE));
            w.write(out);
        }
        assertThatThrownBy(() -> ModelLoader.load(out).checkpoint().close())
                .isInstanceOf(SuperweightException.class)
                .hasMessage(out + ": tensor blk.0.attn_q.weight has 64 rows, expected 128 for this config");
    }
}
