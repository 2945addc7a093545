package superweight.model.format;

import superweight.model.ModelLoader;
import superweight.model.tensor.GgmlType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Broken checkpoints give one-line errors naming the file and the problem. */
class BadCheckpointTest {
    @TempDir
    Path tmp;

    private static final Path LLAMA = Fixtures.arch("llama");

    private Path truncatedCopy(Path src, long keep, String name) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, Arrays.copyOf(Files.readAllBytes(src), (int) keep));
        return p;
    }

    private static void assertOneLine(Throwable t) {
        org.assertj.core.api.Assertions.assertThat(t.getMessage()).doesNotContain("\n");
    }

    @Test
    void ggufCutInsideTheHeader() throws IOException {
        Path p = truncatedCopy(LLAMA.resolve("model-f32.gguf"), 600, "cut.gguf");
        assertThatThrownBy(() -> ModelLoader.load(p)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("truncated header").satisfies(BadCheckpointTest::assertOneLine);
    }

    @Test
    void ggufWhoseTensorsRunPastTheEnd() throws IOException {
        Path src = LLAMA.resolve("model-f32.gguf");
        Path p = truncatedCopy(src, Files.size(src) - 1000, "short.gguf");
        assertThatThrownBy(() -> ModelLoader.load(p)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("claims bytes").hasMessageContaining("truncated");
    }

    @Test
    void notAGgufAtAll() throws IOException {
        Path p = tmp.resolve("x.gguf");
        Files.writeString(p, "hello, this is not a model file at all");
        assertThatThrownBy(() -> ModelLoader.load(p)).hasMessageContaining(p.toString()).hasMessageContaining("bad magic");
    }

    @Test
    void safetensorsHeaderClaimingMoreThanTheFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(LLAMA.resolve("config.json"), dir.resolve("config.json"));
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000);
        Files.write(dir.resolve("model.safetensors"), b.array());
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("model.safetensors")
                .hasMessageContaining("header claims 1000000 bytes");
    }

    @Test
    void safetensorsWithTruncatedData() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(LLAMA.resolve("config.json"), dir.resolve("config.json"));
        Path src = LLAMA.resolve("model.safetensors");
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(Files.readAllBytes(src), (int) Files.size(src) - 4096));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("model.safetensors").hasMessageContaining("truncated");
    }

    @Test
    void tensorShapeThatDoesNotFitTheConfig() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.writeString(dir.resolve("config.json"), Files.readString(LLAMA.resolve("config.json"))
                .replace("\"intermediate_size\": 176", "\"intermediate_size\": 192"));
        Files.copy(LLAMA.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(SuperweightException.class)
                .hasMessageContaining("has shape [176, 64], expected [192, 64]");
    }

    @Test
    void unsupportedSafetensorsDtype() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(LLAMA.resolve("config.json"), dir.resolve("config.json"));
        var tensors = new java.util.LinkedHashMap<>(TestSafetensors.read(LLAMA.resolve("model.safetensors")));
        tensors.put("extra.int_table", new TestSafetensors.Raw("I64", new long[]{2}, new byte[16]));
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("extra.int_table")
                .hasMessageContaining("unsupported dtype I64");
    }

    @Test
    void unsupportedGgufTensorTypeIsNamed() throws IOException {
        Path p = tmp.resolve("k.gguf");
        new GgufWriter().put("general.architecture", "llama")
                .tensor("blk.0.ffn_down.weight", new long[]{256, 2}, 10, new byte[2 * 84]) // Q2_K
                .write(p);
        try (var ck = Checkpoint.open(p)) {
            assertThatThrownBy(() -> ck.tensor("blk.0.ffn_down.weight"))
                    .hasMessageContaining("blk.0.ffn_down.weight").hasMessageContaining("unsupported type Q2_K");
        }
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.copy(LLAMA.resolve("config.json"), dir.resolve("config.json"));
        var tensors = new java.util.LinkedHashMap<>(TestSafetensors.read(LLAMA.resolve("model.safetensors")));
        tensors.remove("model.layers.1.mlp.down_proj.weight");
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("missing tensor model.layers.1.mlp.down_proj.weight");
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.writeString(dir.resolve("config.json"), Files.readString(LLAMA.resolve("config.json"))
                .replace("\"model_type\": \"llama\"", "\"model_type\": \"bloom\""));
        Files.copy(LLAMA.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("unsupported architecture 'bloom'")
                .hasMessageContaining("supported: llama, mistral");
    }

    @Test
    void directoryWithoutWeights() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Files.copy(LLAMA.resolve("config.json"), dir.resolve("config.json"));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining(dir.toString()).hasMessageContaining("no weights found");
    }

    @Test
    void truncatedLlama2cCheckpoint() throws IOException {
        Path src = Fixtures.shared().resolve("models/llama2c-260k/model.bin");
        Path p = truncatedCopy(src, Files.size(src) / 2, "half.bin");
        assertThatThrownBy(() -> ModelLoader.load(p)).hasMessageContaining(p.toString()).hasMessageContaining("truncated llama2.c checkpoint");
    }

    @Test
    void shardIndexPointingAtAMissingShard() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Path src = LLAMA.resolve("sharded");
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors.index.json"), dir.resolve("model.safetensors.index.json"));
        Files.copy(src.resolve("model-00001-of-00002.safetensors"), dir.resolve("model-00001-of-00002.safetensors"));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("model-00002-of-00002.safetensors")
                .hasMessageContaining("missing safetensors file");
    }

    @Test
    void pytorchPickleCheckpointIsNamedAsSuch() throws IOException {
        Path p = tmp.resolve("pytorch_model.bin");
        Files.write(p, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertThatThrownBy(() -> ModelLoader.load(p)).hasMessageContaining(p.toString()).hasMessageContaining("PyTorch");
    }

    @Test
    void longRopeGgufIsRefusedNotSilentlyIgnored() throws IOException {
        Path src = Fixtures.arch("phi3").resolve("model-f32.gguf");
        Path p = tmp.resolve("phi3-longrope.gguf");
        try (GgufFile g = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            for (var t : g.tensors().values()) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            w.tensor("rope_factors_long.weight", new long[]{8}, GgmlType.F32, new byte[32]);
            w.write(p);
        }
        assertThatThrownBy(() -> ModelLoader.load(p)).hasMessageContaining(p.toString()).hasMessageContaining("LongRoPE");
    }

    /**
     * With config.json's mlp_bias: true (transformers then gives gate, up and down biases) a gate bias is refused, not
     * silently dropped; with mlp_bias: false transformers ignores it, and so does the loader, listing it as unused.
     */
    @Test
    void gateBiasIsRefusedNotSilentlyIgnored() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        String config = Files.readString(LLAMA.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"mlp_bias\": false", "\"mlp_bias\": true"));
        var tensors = new java.util.LinkedHashMap<>(TestSafetensors.read(LLAMA.resolve("model.safetensors")));
        tensors.put("model.layers.0.mlp.gate_proj.bias", new TestSafetensors.Raw("F32", new long[]{176}, new byte[176 * 4]));
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("gate_proj.bias").hasMessageContaining("not supported");
        Files.writeString(dir.resolve("config.json"), config);
        var m = ModelLoader.load(dir);
        try {
            org.assertj.core.api.Assertions.assertThat(ModelLoader.unusedTensors(m)).containsExactly("model.layers.0.mlp.gate_proj.bias");
        } finally {
            m.checkpoint().close();
        }
    }
}
