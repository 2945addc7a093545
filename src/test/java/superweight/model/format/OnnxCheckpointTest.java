package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ONNX reader on hand-built files: naming through the graph, transposition, and what it refuses. */
class OnnxCheckpointTest {
    @TempDir
    Path tmp;

    /** W = [[1, 2, 3], [4, 5, 6]] (out 2, in 3), stored as W^T [3, 2] under an anonymous name, used by MatMul + bias Add. */
    static List<TestOnnx.Message> linearNodes(String op) {
        return List.of(TestOnnx.node(op, "/dense/MatMul", List.of("x", "onnx::MatMul_7"), List.of("mm")),
                TestOnnx.node("Add", "/dense/Add", List.of("dense.bias", "mm"), List.of("y")));
    }

    static List<TestOnnx.Message> linearInitializers() {
        return List.of(TestOnnx.tensor("onnx::MatMul_7", new long[]{3, 2}, new float[]{1, 4, 2, 5, 3, 6}),
                TestOnnx.tensor("dense.bias", new long[]{2}, new float[]{0.5f, -0.5f}));
    }

    Path write(List<TestOnnx.Message> nodes, List<TestOnnx.Message> inits) throws IOException {
        Path f = tmp.resolve("model.onnx");
        Files.write(f, TestOnnx.model(nodes, inits));
        return f;
    }

    @Test
    void matMulWeightsAreNamedAfterTheirBiasAndTransposedBack() throws IOException {
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(linearNodes("MatMul"), linearInitializers()))) {
            assertThat(ck.tensorNames()).containsExactlyInAnyOrder("dense.weight", "dense.bias");
            assertThat(ck.shape("dense.weight")).containsExactly(2, 3);
            Tensor w = ck.tensor("dense.weight");
            assertThat(w.row(0)).containsExactly(1, 2, 3);
            assertThat(w.row(1)).containsExactly(4, 5, 6);
            assertThat(ck.tensor("dense.bias").row(0)).containsExactly(0.5f, -0.5f);
        }
    }

    @Test
    void refusesWhatItDoesNotUnderstandWithOneLine() throws IOException {
        expectRefusal(write(linearNodes("MatMul"), List.of(fp16("onnx::MatMul_7"), linearInitializers().get(1))), "fp16");
        expectRefusal(write(linearNodes("MatMulInteger"), linearInitializers()), "int8-quantized");
        expectRefusal(write(linearNodes("Attention"), linearInitializers()), "operator Attention");
        expectRefusal(write(List.of(linearNodes("MatMul").getFirst()), linearInitializers()), "not followed by a bias Add");
        var external = new TestOnnx.Message().varint(1, 2).varint(2, TestOnnx.FLOAT).string(8, "dense.bias")
                .message(13, new TestOnnx.Message().string(1, "location").string(2, "model.onnx_data")).varint(14, 1);
        expectRefusal(write(linearNodes("MatMul"), List.of(linearInitializers().getFirst(), external)), "external data file");
        var wrongSize = TestOnnx.tensor("dense.bias", new long[]{3}, new float[]{1, 2});
        expectRefusal(write(List.of(), List.of(wrongSize)), "data bytes for shape [3]");
        var overflow = new TestOnnx.Message().varint(1, Integer.MAX_VALUE).varint(1, Integer.MAX_VALUE).varint(1, Integer.MAX_VALUE)
                .varint(2, TestOnnx.FLOAT).string(8, "huge");
        expectRefusal(write(List.of(), List.of(overflow)), "element count overflows");
    }

    @Test
    void truncatedOrCorruptFilesGiveOneLineErrors() throws IOException {
        byte[] good = TestOnnx.model(linearNodes("MatMul"), linearInitializers());
        for (int cut : new int[]{good.length - 1, good.length / 2, 3}) {
            Path f = tmp.resolve("cut" + cut + ".onnx");
            Files.write(f, Arrays.copyOf(good, cut));
            expectRefusal(f, "");
        }
        Path garbage = tmp.resolve("garbage.onnx");
        Files.write(garbage, new byte[]{(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        expectRefusal(garbage, "");
        Path empty = tmp.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        expectRefusal(empty, "no graph");
    }

    private static TestOnnx.Message fp16(String name) {
        return new TestOnnx.Message().varint(1, 3).varint(1, 2).varint(2, TestOnnx.FLOAT16).string(8, name).bytes(9, new byte[12]);
    }

    private static void expectRefusal(Path file, String message) {
        assertThatThrownBy(() -> OnnxCheckpoint.open(file).close())
                .isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
