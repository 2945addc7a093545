package superweight.model.format;

import superweight.model.Model;
import superweight.model.ModelLoader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.engine.Transformer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An F16 safetensors checkpoint is computed on directly (widened in the kernel) and gives the logits of an F32
 * checkpoint holding the same half-precision-rounded values.
 */
class HalfPrecisionSafetensorsTest {
    @TempDir
    Path tmp;

    @Test
    void f16CheckpointMatchesF32CheckpointOfTheRoundedValues() throws Exception {
        Path src = Fixtures.arch("qwen2");
        Map<String, TestSafetensors.Raw> f16 = new LinkedHashMap<>(), f32 = new LinkedHashMap<>();
        for (var e : TestSafetensors.read(src.resolve("model.safetensors")).entrySet()) {
            var raw = e.getValue();
            var in = ByteBuffer.wrap(raw.data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            ByteBuffer half = ByteBuffer.allocate(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer rounded = ByteBuffer.allocate(in.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                short h = Float.floatToFloat16(in.get());
                half.putShort(h);
                rounded.putFloat(Float.float16ToFloat(h));
            }
            f16.put(e.getKey(), new TestSafetensors.Raw("F16", raw.shape(), half.array()));
            f32.put(e.getKey(), new TestSafetensors.Raw("F32", raw.shape(), rounded.array()));
        }
        Path a = Files.createDirectories(tmp.resolve("f16")), b = Files.createDirectories(tmp.resolve("f32"));
        for (Path d : new Path[]{a, b}) Files.copy(src.resolve("config.json"), d.resolve("config.json"));
        TestSafetensors.write(a.resolve("model.safetensors"), f16);
        TestSafetensors.write(b.resolve("model.safetensors"), f32);
        int[] tokens = Fixtures.ints(Fixtures.json(src.resolve("tokens.json")));
        Model half = ModelLoader.load(a), full = ModelLoader.load(b);
        try {
            assertThat(half.layers().get(0).q().dtype()).isEqualTo("F16");
            float[] x = new Transformer(half).logits(tokens), y = new Transformer(full).logits(tokens);
            assertThat(Fixtures.maxAbsDiff(x, y)).isLessThanOrEqualTo(1e-5f);
        } finally {
            half.checkpoint().close();
            full.checkpoint().close();
        }
    }
}
