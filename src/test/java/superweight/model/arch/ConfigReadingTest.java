package superweight.model.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Settings that change the forward pass are read from config.json and GGUF metadata, not silently dropped. */
class ConfigReadingTest {
    @TempDir
    Path tmp;

    private Path withConfig(String arch, Consumer<ObjectNode> edit) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(arch + "-" + System.nanoTime()));
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(Fixtures.arch(arch).resolve("config.json").toFile());
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), c.toString());
        Files.createSymbolicLink(dir.resolve("model.safetensors"), Fixtures.arch(arch).resolve("model.safetensors"));
        return dir;
    }

    private static int window(Path dir) {
        return with(dir, m -> m.config().slidingWindow());
    }

    private static <T> T with(Path dir, java.util.function.Function<Model, T> f) {
        Model m = ModelLoader.load(dir);
        try {
            return f.apply(m);
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void linearRopeScalingDividesEveryInverseFrequencyByTheFactor() throws Exception {
        Path dir = withConfig("llama", c -> c.set("rope_scaling", new ObjectMapper().createObjectNode().put("type", "linear").put("factor", 4.0)));
        double[] inv = with(dir, m -> m.config().ropeInverseFrequencies());
        int d = with(dir, m -> m.config().rotaryDims());
        double theta = with(dir, m -> m.config().ropeTheta());
        assertThat(inv).hasSize(d / 2);
        for (int i = 0; i < inv.length; i++) assertThat(inv[i]).isCloseTo(Math.pow(theta, -2.0 * i / d) / 4, within(1e-15));
        // and the forward pass uses them: positions effectively divided by 4 change the logits
        int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("llama").resolve("tokens.json")));
        float[] scaled = with(dir, m -> new Transformer(m).logits(tokens));
        assertThat(Fixtures.maxAbsDiff(scaled, Fixtures.floats(Fixtures.arch("llama").resolve("logits.f32")))).isGreaterThan(1e-3f);
    }

    @Test
    void slidingWindowComesFromConfigJson() throws Exception {
        assertThat(window(Fixtures.arch("phi3"))).isEqualTo(2047);
        assertThat(window(withConfig("mistral", c -> c.put("sliding_window", 7)))).isEqualTo(7);
        assertThat(window(Fixtures.arch("mistral"))).isZero();   // null in its config.json
    }

    @Test
    void slidingWindowComesFromGgufMetadata() throws Exception {
        Path out = tmp.resolve("phi3-window.gguf");
        try (GgufFile g = GgufFile.open(Fixtures.arch("phi3").resolve("model-f32.gguf"))) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? java.util.Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            w.put("phi3.attention.sliding_window", 9);
            for (var t : g.tensors().values()) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            w.write(out);
        }
        assertThat(window(out)).isEqualTo(9);
        assertThat(window(Fixtures.arch("phi3").resolve("model-f32.gguf"))).isEqualTo(2047);   // as its config.json
    }

    @Test
    void qwen2PerLayerWindowsAreRefused() throws Exception {
        Path dir = withConfig("qwen2", c -> c.put("use_sliding_window", true));
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(SuperweightException.class)
                .hasMessage(dir.resolve("config.json") + ": use_sliding_window=true is not supported for qwen2");
        assertThat(window(Fixtures.arch("qwen2"))).isZero();   // use_sliding_window false
    }
}
