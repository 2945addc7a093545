package superweight.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.engine.Encoder;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bert fixture's weights written as a torch-style ONNX export ({@link TestBertOnnx}) and read back with no
 * config.json: every tensor must come back with the safetensors file's name, shape and values (the MatMul weights
 * transposed back), the configuration inferred from the graph must equal the fixture's own config.json, and the
 * encoder must reproduce the fixture's independent numpy hidden state. This is the small-file stand-in for the real
 * e5-small-v2 export, which only {@code E5SmallV2Test} reads (20 s a run, too slow to run once per mutant).
 */
class OnnxBertExportTest {
    private static final Path BERT = Fixtures.arch("bert");
    private static final JsonNode CONFIG = Fixtures.json(BERT.resolve("config.json"));

    @TempDir
    Path tmp;

    private Path export(Path dir, TestBertOnnx.Style style, int headSize) throws IOException {
        Files.createDirectories(dir);
        Path f = dir.resolve("model.onnx");
        Files.write(f, TestBertOnnx.export(BERT.resolve("model.safetensors"), CONFIG.get("num_hidden_layers").asInt(), headSize, style));
        return f;
    }

    private Path export(TestBertOnnx.Style style) throws IOException {
        return export(tmp.resolve("m"), style, 16);
    }

    @Test
    void everyTensorComesBackWithItsSafetensorsNameShapeAndValues() throws IOException {
        Map<String, TestSafetensors.Raw> expected = TestSafetensors.read(BERT.resolve("model.safetensors"));
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(export(TestBertOnnx.Style.TORCH))) {
            // position_ids (int64) is an index buffer, not a weight: not exposed, not counted
            assertThat(ck.tensorNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            long bytes = 0;
            for (var e : expected.entrySet()) {
                assertThat(ck.shape(e.getKey())).as(e.getKey()).containsExactly(e.getValue().shape());
                float[] want = floats(e.getValue().data());
                Tensor t = ck.tensor(e.getKey());
                int cols = t.cols();
                assertThat(t.rows() * cols).isEqualTo(want.length);
                for (int r = 0; r < t.rows(); r++) {
                    assertThat(t.row(r)).as("%s row %d", e.getKey(), r).containsExactly(java.util.Arrays.copyOfRange(want, r * cols, (r + 1) * cols));
                }
                assertThat(ck.tensor(e.getKey())).isSameAs(t);
                bytes += e.getValue().data().length;
            }
            assertThat(ck.dataBytes()).isEqualTo(bytes);
            assertThat(ck.openedTensorNames()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            assertThat(ck.format()).isEqualTo(Checkpoint.Format.ONNX);
            assertThatThrownBy(() -> ck.tensor("pooler.dense.weight")).hasMessage(ck.path() + ": missing tensor pooler.dense.weight");
            assertThatThrownBy(() -> ck.shape("onnx::MatMul_1000")).hasMessage(ck.path() + ": missing tensor onnx::MatMul_1000");
        }
    }

    @Test
    void withoutConfigJsonTheEncoderReproducesTheReferenceHiddenState() throws IOException {
        Path f = export(TestBertOnnx.Style.TORCH);
        Model m = ModelLoader.load(f);
        try {
            var c = m.config();
            assertThat(List.of(c.layers(), c.hiddenSize(), c.heads(), c.headDim(), c.intermediateSize(), c.vocabSize(), c.contextLength()))
                    .containsExactly(CONFIG.get("num_hidden_layers").asInt(), CONFIG.get("hidden_size").asInt(),
                            CONFIG.get("num_attention_heads").asInt(), 16, CONFIG.get("intermediate_size").asInt(),
                            CONFIG.get("vocab_size").asInt(), CONFIG.get("max_position_embeddings").asInt());
            assertThat(ModelLoader.unusedTensors(m)).isEmpty();
            float[] expected = Fixtures.floats(BERT.resolve("hidden.f32"));
            float[] hidden = new Encoder(m).hiddenStates(Fixtures.ints(Fixtures.json(BERT.resolve("reference.json")).get("tokens")));
            assertThat(Fixtures.maxAbsDiff(hidden, expected)).isLessThanOrEqualTo(1e-4f);
        } finally {
            m.checkpoint().close();
        }
    }

    /** Each way an export can spell the scale, the epsilon and the GELU gives the fixture's config.json values. */
    @ParameterizedTest
    @CsvSource({"fused, Erf, Div, raw_data, false, gelu", "decomposed, Erf, Mul, float_data, false, gelu",
            "decomposed, Tanh, Div, value_float, false, gelu_new", "fused, Tanh, Mul, value_float, false, gelu_new",
            "decomposed, Erf, Div, raw_data, true, gelu", "fused, Erf, Mul, raw_data, true, gelu"})
    void theConfigurationIsInferredFromTheGraph(String layerNorm, String gelu, String scale, String constants, boolean decoys, String act)
            throws IOException {
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(export(new TestBertOnnx.Style(layerNorm, gelu, scale, constants, decoys)))) {
            JsonNode c = ck.config();
            for (String key : List.of("model_type", "vocab_size", "hidden_size", "max_position_embeddings", "type_vocab_size",
                    "num_hidden_layers", "intermediate_size", "num_attention_heads", "layer_norm_eps")) {
                assertThat(c.get(key).asText()).as(key).isEqualTo(CONFIG.get(key).asText());
            }
            assertThat(c.get("hidden_act").asText()).isEqualTo(act);
            assertThat(c.size()).isEqualTo(10);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "fused-no-epsilon | Erf | Div | 16 | cannot find the LayerNorm epsilon in the graph; put config.json beside it",
            "fused-varint-epsilon | Erf | Div | 16 | cannot find the LayerNorm epsilon in the graph; put config.json beside it",
            "fused | Erf | none | 16 | cannot find the attention scale in the graph; put config.json beside it",
            "fused | Identity | Div | 16 | cannot tell the GELU variant from the graph; put config.json beside it",
            "fused | Erf | Div | 24 | inferred head size 24 does not divide 64"})
    void whatTheGraphDoesNotSayIsAskedFor(String layerNorm, String gelu, String scale, int headSize, String message) throws IOException {
        Path f = export(tmp.resolve("m"), new TestBertOnnx.Style(layerNorm, gelu, scale, "raw_data", false), headSize);
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(f)) {
            assertThatThrownBy(ck::config).isInstanceOf(SuperweightException.class).hasMessage(f + ": " + message);
        }
    }

    /** Without layers or without the embedding tables the graph is not a BERT this reader can configure. */
    @Test
    void graphsThatAreNoBertAreNamed() throws IOException {
        Path noLayers = tmp.resolve("none/model.onnx");
        Files.createDirectories(noLayers.getParent());
        Files.write(noLayers, TestBertOnnx.export(BERT.resolve("model.safetensors"), 0, 16, TestBertOnnx.Style.TORCH));
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(noLayers)) {
            assertThatThrownBy(ck::config).hasMessage(noLayers + ": no encoder.layer.0.output.dense.bias; not a BERT export this reader understands");
        }
        Path linear = tmp.resolve("linear.onnx");
        Files.write(linear, TestOnnx.model(OnnxCheckpointTest.linearNodes("MatMul"), OnnxCheckpointTest.linearInitializers()));
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(linear)) {
            assertThatThrownBy(ck::config).hasMessage(linear + ": no initializer embeddings.word_embeddings.weight "
                    + "(no config.json beside the file to say what this is)");
        }
    }

    /** config.json beside the file wins over inference; in the onnx/model.onnx layout it is one folder up. */
    @Test
    void configJsonBesideTheFileOrOneFolderUp() throws IOException {
        Path repo = tmp.resolve("repo");
        Path f = export(repo.resolve("onnx"), TestBertOnnx.Style.TORCH, 16);
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(f)) {
            assertThat(ck.directory()).isEqualTo(repo.resolve("onnx").toAbsolutePath());
            assertThat(ck.config().get("layer_norm_eps").asDouble()).isEqualTo(1e-12);
        }
        Files.writeString(repo.resolve("config.json"), "{\"model_type\": \"bert\", \"layer_norm_eps\": 1e-5}");
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(f)) {
            assertThat(ck.directory()).isEqualTo(repo.toAbsolutePath());
            assertThat(ck.config().get("layer_norm_eps").asDouble()).isEqualTo(1e-5);
            assertThat(ck.config().has("hidden_size")).isFalse();
        }
        // a tokenizer.json beside the file marks its folder as the model's, whatever the parent holds
        Files.writeString(repo.resolve("onnx/tokenizer.json"), "{}");
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(f)) {
            assertThat(ck.directory()).isEqualTo(repo.resolve("onnx").toAbsolutePath());
            assertThat(ck.config().get("hidden_size").asInt()).isEqualTo(64);
        }
        Files.delete(repo.resolve("onnx/tokenizer.json"));
        Files.writeString(repo.resolve("onnx/config.json"), "{\"model_type\": \"bert\", \"layer_norm_eps\": 1e-6}");
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(f)) {
            assertThat(ck.directory()).isEqualTo(repo.resolve("onnx").toAbsolutePath());
            assertThat(ck.config().get("layer_norm_eps").asDouble()).isEqualTo(1e-6);
        }
    }

    /** Checkpoint.open on the Hugging Face repository folder finds onnx/model.onnx. */
    @Test
    void aRepositoryFolderOpensItsOnnxModel() throws IOException {
        Path repo = tmp.resolve("repo");
        export(repo.resolve("onnx"), TestBertOnnx.Style.TORCH, 16);
        try (Checkpoint ck = Checkpoint.open(repo)) {
            assertThat(ck.format()).isEqualTo(Checkpoint.Format.ONNX);
            assertThat(ck.path()).isEqualTo(repo.resolve("onnx/model.onnx"));
        }
    }

    private static float[] floats(byte[] le) {
        var b = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] f = new float[b.remaining()];
        b.get(f);
        return f;
    }
}
