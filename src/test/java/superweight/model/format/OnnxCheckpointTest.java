package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.SuperweightException;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    /** Refused with exactly this message after the file name. */
    private static void refusedWith(Path file, String message) {
        assertThatThrownBy(() -> OnnxCheckpoint.open(file).close()).isInstanceOf(SuperweightException.class).hasMessage(file + ": " + message);
    }

    private Path writeBytes(byte[] b) throws IOException {
        Path f = tmp.resolve("raw.onnx");
        Files.write(f, b);
        return f;
    }

    /** An initializer "w" of the given dims and data type with {@code bytes} of raw_data. */
    private static TestOnnx.Message typed(String name, int dataType, int bytes, long... dims) {
        TestOnnx.Message t = new TestOnnx.Message();
        for (long d : dims) t.varint(1, d);
        return t.varint(2, dataType).string(8, name).bytes(9, new byte[bytes]);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "16 | 8 | initializer w is bf16; only fp32 ONNX exports are supported",
            "10 | 8 | initializer w is fp16; only fp32 ONNX exports are supported",
            "3 | 4 | initializer w is int8/uint8 (a quantized export); only fp32 ONNX exports are supported",
            "2 | 4 | initializer w is int8/uint8 (a quantized export); only fp32 ONNX exports are supported",
            "11 | 32 | initializer w has unsupported ONNX data type 11 (double)",
            "9 | 4 | initializer w has unsupported ONNX data type 9"})
    void dataTypesOtherThanFloat32AreNamed(int dataType, int bytes, String message) throws IOException {
        refusedWith(write(List.of(), List.of(typed("w", dataType, bytes, 4), linearInitializers().get(1))), message);
    }

    /** int32/int64 initializers (position ids, shape constants) are skipped, not exposed and not counted. */
    @Test
    void integerIndexBuffersAreSkipped() throws IOException {
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(linearNodes("MatMul"), List.of(typed("ids", 7, 16, 2), typed("shape", 6, 8, 2),
                linearInitializers().get(0), linearInitializers().get(1))))) {
            assertThat(ck.tensorNames()).containsExactlyInAnyOrder("dense.weight", "dense.bias");
            assertThat(ck.dataBytes()).isEqualTo(6 * 4 + 2 * 4);
        }
        refusedWith(write(List.of(), List.of(typed("ids", 7, 16, 2))), "ONNX graph has no fp32 initializers");
    }

    @Test
    void initializerShapesAndSizesAreChecked() throws IOException {
        refusedWith(write(List.of(), List.of(typed("w", 1, 32, 2, 2, 2))), "initializer w has 3 dimensions (expected 1 or 2)");
        refusedWith(write(List.of(), List.of(new TestOnnx.Message().varint(1, 2).varint(2, 1).string(8, "w"))),
                "initializer w has 0 data bytes for shape [2] (expected 8)");
        var fiveValues = new TestOnnx.Message().varint(1, 2).varint(1, 3).varint(2, 1).string(8, "w");
        for (int i = 0; i < 5; i++) fiveValues.fixed32(4, i);
        refusedWith(write(List.of(), List.of(fiveValues)), "initializer w has 5 values for 6 elements");
        refusedWith(write(linearNodes("MatMul"), List.of(linearInitializers().get(1), linearInitializers().get(0), linearInitializers().get(1))),
                "initializer dense.bias appears twice");
        var onlyLocation = new TestOnnx.Message().varint(1, 2).varint(2, TestOnnx.FLOAT).string(8, "dense.bias").varint(14, 1);
        refusedWith(write(List.of(), List.of(onlyLocation)), "initializer dense.bias lives in an external data file, which is not supported");
        var defaultLocation = new TestOnnx.Message().varint(1, 1).varint(2, TestOnnx.FLOAT).string(8, "b").varint(14, 0)
                .bytes(9, new byte[4]);
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(List.of(), List.of(defaultLocation)))) {
            assertThat(ck.tensorNames()).containsExactly("b");
        }
    }

    @Test
    void dimensionsAreCheckedAsTheyAreRead() throws IOException {
        var nine = new TestOnnx.Message();
        for (int i = 0; i < 9; i++) nine.varint(1, 1);
        assertThatThrownBy(() -> OnnxCheckpoint.open(write(List.of(), List.of(nine.varint(2, 1)))))
                .hasMessageEndingWith(": tensor with more than 8 dimensions");
        var eight = new TestOnnx.Message();
        for (int i = 0; i < 8; i++) eight.varint(1, 1);
        // eight dimensions pass the protobuf reader and are refused by the initializer check
        refusedWith(write(List.of(), List.of(eight.varint(2, 1).string(8, "w").bytes(9, new byte[4]))),
                "initializer w has 8 dimensions (expected 1 or 2)");
        assertThatThrownBy(() -> OnnxCheckpoint.open(write(List.of(), List.of(new TestOnnx.Message().varint(1, 1L << 31).varint(2, 1)))))
                .hasMessageEndingWith(": tensor dimension 2147483648");
        assertThatThrownBy(() -> OnnxCheckpoint.open(write(List.of(), List.of(new TestOnnx.Message().varint(1, -1).varint(2, 1)))))
                .hasMessageEndingWith(": tensor dimension -1");
        var widest = new TestOnnx.Message().varint(1, Integer.MAX_VALUE).varint(2, 1).string(8, "w");
        refusedWith(write(List.of(), List.of(widest)), "initializer w has 0 data bytes for shape [2147483647] (expected 8589934588)");
    }

    /** float_data (unpacked fixed32 values) with packed dims, and a packed float_data field, read as raw_data is. */
    @Test
    void floatDataAndPackedDimsAreReadLikeRawData() throws IOException {
        // dims 3, 2 packed: the two varints as one length-delimited field
        var w = new TestOnnx.Message().bytes(1, new byte[]{3, 2}).varint(2, 1).string(8, "onnx::MatMul_7");
        for (float v : new float[]{1, 4, 2, 5, 3, 6}) w.fixed32(4, v);
        ByteBuffer bias = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(-0.5f);
        var b = new TestOnnx.Message().varint(1, 2).varint(2, 1).string(8, "dense.bias").bytes(4, bias.array());
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(linearNodes("MatMul"), List.of(w, b)))) {
            assertThat(ck.shape("dense.weight")).containsExactly(2, 3);
            assertThat(ck.tensor("dense.weight").row(0)).containsExactly(1, 2, 3);
            assertThat(ck.tensor("dense.weight").row(1)).containsExactly(4, 5, 6);
            assertThat(ck.tensor("dense.bias").row(0)).containsExactly(0.5f, -0.5f);
            assertThat(ck.dataBytes()).isEqualTo(32);
        }
        var plain = new TestOnnx.Message().varint(1, 2).varint(1, 2).varint(2, 1).string(8, "table");
        for (float v : new float[]{1, 2, 3, 4}) plain.fixed32(4, v);
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(List.of(), List.of(plain)))) {
            assertThat(ck.tensor("table").row(1)).containsExactly(3, 4);
            assertThat(ck.shape("table")).containsExactly(2, 2);
        }
    }

    @Test
    void matMulWeightsMustBeNamedThroughABiasAdd() throws IOException {
        String notFollowed = "MatMul node /dense/MatMul (weight onnx::MatMul_7) is not followed by a bias Add; graph not understood";
        var w = linearInitializers().get(0);
        refusedWith(write(linearNodes("MatMul"), List.of(w, TestOnnx.tensor("dense.bias", new long[]{3}, new float[3]))), notFollowed);
        refusedWith(write(List.of(linearNodes("MatMul").get(0), TestOnnx.node("Add", "/dense/Add", List.of("dense.offset", "mm"), List.of("y"))),
                List.of(w, TestOnnx.tensor("dense.offset", new long[]{2}, new float[2]))), notFollowed);
        refusedWith(write(List.of(linearNodes("MatMul").get(0), TestOnnx.node("Mul", "/dense/Mul", List.of("dense.bias", "mm"), List.of("y"))),
                linearInitializers()), notFollowed);
        refusedWith(write(List.of(TestOnnx.node("MatMul", "/dense/MatMul", List.of("x", "onnx::MatMul_7"), List.of()), linearNodes("MatMul").get(1)),
                linearInitializers()), notFollowed);
        refusedWith(write(linearNodes("MatMul"), List.of(TestOnnx.tensor("onnx::MatMul_7", new long[]{2}, new float[2]), linearInitializers().get(1))),
                notFollowed);
        refusedWith(write(List.of(TestOnnx.node("MatMul", "/dense/MatMul", List.of("onnx::MatMul_7", "x"), List.of("mm")), linearNodes("MatMul").get(1)),
                linearInitializers()), "MatMul node /dense/MatMul has a weight as its first input; graph not understood");
        var second = List.of(TestOnnx.node("MatMul", "/other/MatMul", List.of("x", "onnx::MatMul_8"), List.of("mm2")),
                TestOnnx.node("Add", "/other/Add", List.of("mm2", "dense.bias"), List.of("y2")));
        var nodes = new java.util.ArrayList<>(linearNodes("MatMul"));
        nodes.addAll(second);
        refusedWith(write(nodes, List.of(w, TestOnnx.tensor("onnx::MatMul_8", new long[]{3, 2}, new float[6]), linearInitializers().get(1))),
                "two MatMul weights map to dense.weight");
    }

    @Test
    void operatorsOutsideAPlainExportAreNamed() throws IOException {
        refusedWith(write(linearNodes("MatMulInteger"), linearInitializers()),
                "int8-quantized ONNX export (operator MatMulInteger) is not supported; use the fp32 model.onnx");
        refusedWith(write(linearNodes("Attention"), linearInitializers()), "ONNX operator Attention (node /dense/MatMul) is not part of a plain "
                + "BERT export this reader understands (optimized or fused graphs are not supported)");
    }

    @Test
    void graphStructureIsChecked() throws IOException {
        byte[] g = new TestOnnx.Message().message(5, linearInitializers().get(1)).toBytes();
        byte[] twoGraphs = new TestOnnx.Message().message(7, new TestOnnx.Message().message(5, linearInitializers().get(1)))
                .message(7, new TestOnnx.Message().message(5, linearInitializers().get(1))).toBytes();
        Path f = writeBytes(twoGraphs);
        // the second graph's tag is read when the error is raised: 1 tag byte + 1 length byte + the graph + 1 tag byte
        assertThatThrownBy(() -> OnnxCheckpoint.open(f)).hasMessage(f + ": invalid ONNX protobuf at byte " + (g.length + 3) + ": two graphs");
        byte[] sparse = new TestOnnx.Message().message(7, new TestOnnx.Message().message(5, linearInitializers().get(1))
                .message(15, new TestOnnx.Message().varint(3, 1))).toBytes();
        refusedWith(writeBytes(sparse), "sparse initializers are not supported");
        refusedWith(writeBytes(new TestOnnx.Message().varint(1, 8).string(2, "x").toBytes()), "not an ONNX model (no graph)");
        // a graph given with the wrong wire type is not a graph
        refusedWith(writeBytes(new TestOnnx.Message().varint(7, 3).toBytes()), "not an ONNX model (no graph)");
    }

    /**
     * A scalar initializer is one row of one value; an empty one (a zero dimension) has no raw_data field at all, as
     * protobuf leaves empty bytes out (it was refused as "0 data bytes for shape [0] (expected 0)").
     */
    @Test
    void scalarAndEmptyInitializers() throws IOException {
        var scalar = new TestOnnx.Message().varint(2, 1).string(8, "scale").bytes(9, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).array());
        var empty = new TestOnnx.Message().varint(1, 0).varint(2, 1).string(8, "nothing");
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(List.of(), List.of(scalar, empty)))) {
            assertThat(ck.shape("scale")).isEmpty();
            assertThat(ck.tensor("scale").rows()).isEqualTo(1);
            assertThat(ck.tensor("scale").row(0)).containsExactly(2.5f);
            assertThat(ck.shape("nothing")).containsExactly(0);
            assertThat(ck.tensor("nothing").cols()).isZero();
            assertThat(ck.dataBytes()).isEqualTo(4);
        }
    }

    /** 2^20 unpacked float_data values are read; one more is refused before it is stored. */
    @Test
    void unpackedFloatDataIsCapped() throws IOException {
        int cap = 1 << 20;
        var atCap = new TestOnnx.Message().varint(1, cap).varint(2, 1).string(8, "w");
        for (int i = 0; i < cap; i++) atCap.fixed32(4, i);
        try (OnnxCheckpoint ck = OnnxCheckpoint.open(write(List.of(), List.of(atCap)))) {
            assertThat(ck.tensor("w").get(0, cap - 1)).isEqualTo(cap - 1);
        }
        var overCap = new TestOnnx.Message().varint(1, cap + 1).varint(2, 1).string(8, "w");
        for (int i = 0; i <= cap; i++) overCap.fixed32(4, i);
        assertThatThrownBy(() -> OnnxCheckpoint.open(write(List.of(), List.of(overCap))))
                .hasMessageEndingWith(": more than 2^20 unpacked float_data values");
    }

    /** 2^20 nodes are read (and these empty ones then refused as an unknown operator); one more is refused as it is read. */
    @Test
    void nodeCountIsCapped() throws IOException {
        int cap = 1 << 20;
        for (int n : new int[]{cap, cap + 1}) {
            TestOnnx.Message g = new TestOnnx.Message();
            for (int i = 0; i < n; i++) g.message(1, new TestOnnx.Message());
            g.message(5, linearInitializers().get(1));
            Path f = writeBytes(new TestOnnx.Message().message(7, g).toBytes());
            if (n == cap) {
                refusedWith(f, "ONNX operator  (node ) is not part of a plain BERT export this reader understands (optimized or fused graphs are not supported)");
            } else {
                assertThatThrownBy(() -> OnnxCheckpoint.open(f)).hasMessageEndingWith(": more than 1048576 nodes");
            }
        }
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
