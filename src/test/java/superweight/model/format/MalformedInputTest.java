package superweight.model.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.ModelLoader;
import superweight.model.tensor.GgmlType;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile checkpoints, one per malformed case of RELIABILITY.md: each is refused with a one-line
 * SuperweightException naming the file and the field, before any allocation sized by the bad value.
 */
class MalformedInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LLAMA = Fixtures.arch("llama");

    @TempDir
    Path tmp;

    private Path file(String name, byte[] content) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static void refused(Path p, String... fragments) {
        assertThatThrownBy(() -> ModelLoader.load(p).checkpoint().close())
                .isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(p.toString())
                .satisfies(t -> org.assertj.core.api.Assertions.assertThat(t.getMessage()).doesNotContain("\n").contains(fragments));
    }

    // ---- GGUF ---------------------------------------------------------------------------------------------------

    @Test
    void ggufTensorCountBeyondWhatTheFileCanHold() throws Exception {
        refused(file("a.gguf", new RawGguf(1L << 40, 0).alignedData(64).toBytes()), "claims 1099511627776 tensors");
    }

    @Test
    void ggufStringLongerThanTheCap() throws Exception {
        refused(file("a.gguf", new RawGguf(0, 1).u64(1L << 40).alignedData(64).toBytes()), "string length 1099511627776");
    }

    @Test
    void ggufStringLongerThanTheFile() throws Exception {
        refused(file("a.gguf", new RawGguf(0, 1).u64(1000).alignedData(64).toBytes()), "truncated header");
    }

    @Test
    void ggufArrayLongerThanTheFile() throws Exception {
        byte[] b = new RawGguf(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1L << 31).alignedData(64).toBytes();
        refused(file("a.gguf", b), "metadata array tokenizer.ggml.tokens claims 2147483648 elements");
    }

    @Test
    void ggufDimensionProductOverflowing() throws Exception {
        byte[] b = new RawGguf(1, 0).tensor("t", new long[]{1L << 31 - 1, 1L << 40, 1L << 40}, GgmlType.F32, 0).alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensor t has dimension");
    }

    @Test
    void ggufRowLongerThanAnInt() throws Exception {
        byte[] b = new RawGguf(1, 0).tensor("t", new long[]{1L << 32}, GgmlType.F32, 0).alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensor t has dimension 4294967296");
    }

    @Test
    void ggufNegativeOffset() throws Exception {
        byte[] b = new RawGguf(1, 0).tensor("t", new long[]{4}, GgmlType.F32, -32).alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensor t has a negative offset");
    }

    @Test
    void ggufTensorPastTheEnd() throws Exception {
        byte[] b = new RawGguf(1, 0).tensor("t", new long[]{16}, GgmlType.F32, 32).alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensor t claims bytes", "truncated");
    }

    @Test
    void ggufOverlappingTensors() throws Exception {
        byte[] b = new RawGguf(2, 0).tensor("a", new long[]{8}, GgmlType.F32, 0).tensor("b", new long[]{8}, GgmlType.F32, 16)
                .alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensors a and b overlap");
    }

    @Test
    void ggufDuplicateTensor() throws Exception {
        byte[] b = new RawGguf(2, 0).tensor("a", new long[]{4}, GgmlType.F32, 0).tensor("a", new long[]{4}, GgmlType.F32, 32)
                .alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensor a appears twice");
    }

    @Test
    void ggufDuplicateMetadataKey() throws Exception {
        byte[] b = new RawGguf(0, 2).kvU32("k", 1).kvU32("k", 2).alignedData(64).toBytes();
        refused(file("a.gguf", b), "metadata key k appears twice");
    }

    @Test
    void ggufHugeAlignment() throws Exception {
        byte[] b = new RawGguf(0, 1).str("general.alignment").u32(10).u64(1L << 62).alignedData(64).toBytes();
        refused(file("a.gguf", b), "bad general.alignment");
    }

    /** Found by FuzzGgufTest (long run): a tensor name with a newline made the message two lines. */
    @Test
    void controlCharactersInNamesAreEscapedInTheMessage() throws Exception {
        byte[] b = new RawGguf(1, 0).str("output_nd\ncount\u001b[31m").u32(512).alignedData(64).toBytes();
        refused(file("a.gguf", b), "tensor output_nd\\u000acount\\u001b[31m has 512 dimensions");
    }

    @Test
    void ggufUnknownValueType() throws Exception {
        byte[] b = new RawGguf(0, 1).str("k").u32(99).alignedData(64).toBytes();
        refused(file("a.gguf", b), "metadata k has unknown value type 99");
    }

    /** A full model header whose sizes are hostile: refused by ConfigLimits before any layer is built. */
    @ParameterizedTest
    @CsvSource({"llama.attention.head_count, 0, outside 1..", "llama.block_count, -1, outside 1..",
            "llama.embedding_length, 100000000, hidden size 100000000 is outside"})
    void ggufModelWithHostileSizes(String key, int value, String expected) throws Exception {
        GgufFile src = GgufFile.open(LLAMA.resolve("model-f32.gguf"));
        GgufWriter w = new GgufWriter();
        src.metadata().forEach((k, v) -> {
            if (!k.startsWith("tokenizer.")) w.put(k, k.equals(key) ? (Object) (long) value : v);
        });
        for (GgufFile.TensorInfo t : src.tensors().values()) {
            w.tensor(t.name(), t.dims(), t.ggmlType(), src.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        src.close();
        Path p = tmp.resolve("m.gguf");
        w.write(p);
        refused(p, expected);
    }

    // ---- safetensors --------------------------------------------------------------------------------------------

    private Path safetensors(String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        return file("x.safetensors", b.array());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[1, 2] | header is not a JSON object",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [\"4\"], \"data_offsets\": [0, 16]}} | shape value \"4\", not a non-negative integer",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [-4], \"data_offsets\": [0, 16]}} | shape value -4",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 16]}} | shape value 2.5",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 16]}} | overflows 64 bits",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,4], \"data_offsets\": [0, 16]}} | at most 8 dimensions",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 1e3]}} | data_offsets value 1000.0",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [16, 32]}} | claims bytes 16..32 but the data section has 16",
            "{\"t\": {\"dtype\": \"F32\", \"shape\": [5], \"data_offsets\": [0, 16]}} | has 16 bytes for shape [5] of F32 (expected 20)",
            "{\"t\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}} | unsupported dtype I64",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}} | tensors a and b overlap"})
    void safetensorsHeaderCases(String header, String expected) throws Exception {
        Path p = safetensors(header, 16);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(p).close()).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(p.toString()).hasMessageContaining(expected);
    }

    @Test
    void safetensorsIndexWithANonStringShard() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"t\": {\"file\": \"x\"}}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessageContaining("model.safetensors.index.json")
                .hasMessageContaining("weight_map value of t is not a file name");
    }

    // ---- config.json --------------------------------------------------------------------------------------------

    private Path modelWithConfig(String key, Object value) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cfg"));
        ObjectNode c = (ObjectNode) JSON.readTree(LLAMA.resolve("config.json").toFile());
        c.set(key, JSON.valueToTree(value));
        Files.writeString(dir.resolve("config.json"), c.toString());
        Files.copy(LLAMA.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "num_attention_heads | 0 | num_attention_heads 0 is not positive",
            "hidden_size | -64 | hidden_size -64 is not positive",
            "num_hidden_layers | 1000000 | layer count 1000000 is outside 1..1024",
            "vocab_size | 2000000000 | vocabulary size 2000000000 is outside",
            "num_key_value_heads | 3 | 4 attention heads are not a multiple of 3 KV heads",
            "head_dim | 0 | head size 0 is outside",
            "rope_theta | -1 | rope theta -1.0 is not a finite positive number",
            "rms_norm_eps | -1 | norm epsilon -1.0",
            "max_position_embeddings | 0 | context length 0 is outside"})
    void configValuesAreCheckedBeforeAllocation(String key, long value, String expected) throws Exception {
        Path dir = modelWithConfig(key, value);
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith(dir.resolve("config.json").toString()).hasMessageContaining(expected);
    }

    @Test
    void llama3RopeScalingWithEqualFrequencyFactors() throws Exception {
        Path dir = modelWithConfig("rope_scaling", java.util.Map.of("rope_type", "llama3", "factor", 8, "low_freq_factor", 4,
                "high_freq_factor", 4, "original_max_position_embeddings", 8192));
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("high_freq_factor 4.0 is not above low_freq_factor 4.0");
    }

    @Test
    void oversizedConfigIsRefusedBeforeParsing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("big"));
        Files.copy(LLAMA.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("config.json").toFile(), "rw")) {
            f.setLength(65L << 20); // sparse: costs no disk
        }
        assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("config.json: 68157440 bytes, more than the 67108864");
    }

    // ---- llama2.c -----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"64, 176, 2, 4, 4, 2147483647, 256, truncated llama2.c checkpoint",
            "64, 176, 2, 4, 3, 320, 256, implausible header", "0, 176, 2, 4, 4, 320, 256, implausible header",
            "1048576, 176, 2, 4, 4, 320, 256, implausible header", "64, 176, 2, 4, 4, 320, -5, implausible header"})
    void llama2cHostileHeaders(int dim, int hidden, int layers, int heads, int kv, int vocab, int seq, String expected) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[]{dim, hidden, layers, heads, kv, vocab, seq}) b.putInt(v);
        refused(file("m.bin", b.array()), expected);
    }
}
