package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;
import superweight.model.tensor.GgmlType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GGUF v3 layout written byte by byte as the spec describes it, and streaming failures that leave nothing behind. */
class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void headerMetadataTypesAndAlignmentFollowTheSpec() throws Exception {
        Path p = dir.resolve("t.gguf");
        new GgufWriter().put("a", 7).put("b", "xy").put("c", 1.5f).put("d", true).put("e", new int[]{-1, 2})
                .put("f", 9L).put("g", new boolean[]{true, false})
                .tensor("v", new long[]{3}, GgmlType.F32, out -> out.write(new byte[12]))
                .tensor("m", new long[]{32, 2}, GgmlType.Q8_0, out -> out.write(counting(68)))
                .tensor("w", new long[]{1}, GgmlType.F32, out -> out.write(counting(4)))
                .write(p);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isEqualTo(0x46554747); // "GGUF"
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getLong()).isEqualTo(3);
        assertThat(b.getLong()).isEqualTo(7);
        // key "a": length 1, 'a', type 4 (uint32), value 7
        assertThat(b.getLong()).isEqualTo(1);
        assertThat(b.get()).isEqualTo((byte) 'a');
        assertThat(b.getInt()).isEqualTo(4);
        assertThat(b.getInt()).isEqualTo(7);
        // key "b": string type 8, length 2, "xy"
        b.getLong();
        b.get();
        assertThat(b.getInt()).isEqualTo(8);
        assertThat(b.getLong()).isEqualTo(2);
        byte[] xy = new byte[2];
        b.get(xy);
        assertThat(new String(xy, StandardCharsets.UTF_8)).isEqualTo("xy");
        // key "c": float32 type 6
        b.getLong();
        b.get();
        assertThat(b.getInt()).isEqualTo(6);
        assertThat(b.getFloat()).isEqualTo(1.5f);
        try (GgufFile g = GgufFile.open(p)) {
            assertThat(g.getBoolean("d")).isTrue();
            assertThat(g.getIntArray("e")).containsExactly(-1, 2);
            assertThat(g.getLong("f")).isEqualTo(9L);
            assertThat((boolean[]) g.metadata().get("g")).containsExactly(true, false);
            var v = g.tensors().get("v");
            var m = g.tensors().get("m");
            assertThat(v.offset()).isZero();
            assertThat(m.offset()).isEqualTo(32); // 12 bytes padded to the 32-byte alignment
            assertThat(g.data(m).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(counting(68)); // 2 blocks of 34 bytes
            assertThat(g.tensors().get("w").offset()).isEqualTo(32 + 96); // m: 68 bytes padded to 96
            assertThat(g.data(g.tensors().get("w")).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(counting(4));
        }
        // header 24 + metadata a 17, b 23, c 17, d 14, e 33, f 21, g 27 + tensor infos v 33, m 41, w 33 = 283, padded to 288;
        // data = v (12 + 20 padding) + m (68 + 28) + w (4 + 28)
        assertThat(Files.size(p)).isEqualTo(288 + 32 + 96 + 32);
    }

    private static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i + 1);
        return b;
    }

    @Test
    void tensorsHaveOneToFourDimensions() {
        assertThatThrownBy(() -> new GgufWriter().tensor("s", new long[0], GgmlType.F32, new byte[4]))
                .hasMessage("s: 0 dimensions (GGUF holds 1 to 4)");
        assertThatThrownBy(() -> new GgufWriter().tensor("s", new long[]{1, 1, 1, 1, 1}, GgmlType.F32, new byte[4]))
                .hasMessage("s: 5 dimensions (GGUF holds 1 to 4)");
        new GgufWriter().tensor("s", new long[]{1, 1, 1, 1}, GgmlType.F32, new byte[4]).write(dir.resolve("four.gguf"));
        try (GgufFile g = GgufFile.open(dir.resolve("four.gguf"))) {
            assertThat(g.tensors().get("s").dims()).containsExactly(1, 1, 1, 1);
        }
    }

    @Test
    void aTensorOfTheWrongSizeFailsAndLeavesNoFile() {
        Path p = dir.resolve("bad.gguf");
        GgufWriter w = new GgufWriter().tensor("v", new long[]{4}, GgmlType.F32, out -> out.write(new byte[12]));
        assertThatThrownBy(() -> w.write(p)).isInstanceOf(SuperweightException.class).hasMessageContaining("wrote 12 bytes, expected 16");
        assertThat(dir.toFile().list()).isEmpty();
        assertThatThrownBy(() -> new GgufWriter().tensor("q", new long[]{48, 2}, GgmlType.Q8_0, out -> { }))
                .hasMessageContaining("not a multiple of the Q8_0 block size 32");
    }

    @Test
    void safetensorsShardsAreReplacedByASingleFileWithoutAStaleIndex() {
        Path d = dir.resolve("st");
        SafetensorsWriter w = new SafetensorsWriter();
        for (String n : List.of("a", "b", "c")) w.tensor(n, "F32", new long[]{2, 2}, out -> out.write(new byte[16]));
        assertThat(w.writeDirectory(d, 20)).hasSize(4);
        SafetensorsWriter one = new SafetensorsWriter().tensor("a", "F16", new long[]{2}, out -> out.write(new byte[]{0, 0x3c, 0, 0x40}));
        assertThat(one.writeDirectory(d, 1000)).containsExactly(d.resolve("model.safetensors"));
        assertThat(Files.exists(d.resolve("model.safetensors.index.json"))).isFalse();
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(d)) {
            assertThat(ck.tensorNames()).containsExactly("a");
            assertThat(ck.tensor("a").row(0)).containsExactly(1f, 2f);
        }
    }

    /** The value types the first test does not cover, byte by byte; each read back through GgufFile too. */
    @Test
    void remainingValueTypes() throws Exception {
        Path p = dir.resolve("v.gguf");
        new GgufWriter().put("u8", (byte) -1).put("f64", 0.1).put("strs", new String[]{"a", "bc"})
                .put("f32s", new float[]{0.5f}).put("i64s", new long[]{-2L}).write(p);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        b.position(24 + 8 + 2);                                // key "u8"
        assertThat(b.getInt()).isEqualTo(0);
        assertThat(b.get()).isEqualTo((byte) 0xFF);
        b.position(b.position() + 8 + 3);                      // key "f64"
        assertThat(b.getInt()).isEqualTo(12);
        assertThat(b.getDouble()).isEqualTo(0.1);
        b.position(b.position() + 8 + 4);                      // key "strs": array (9) of strings (8), 2 elements
        assertThat(new int[]{b.getInt(), b.getInt()}).containsExactly(9, 8);
        assertThat(b.getLong()).isEqualTo(2);
        assertThat(b.getLong()).isEqualTo(1);
        assertThat(b.get()).isEqualTo((byte) 'a');
        assertThat(b.getLong()).isEqualTo(2);
        b.position(b.position() + 2 + 8 + 4);                  // "bc", key "f32s": array of float32 (6)
        assertThat(new int[]{b.getInt(), b.getInt()}).containsExactly(9, 6);
        assertThat(b.getLong()).isEqualTo(1);
        assertThat(b.getFloat()).isEqualTo(0.5f);
        b.position(b.position() + 8 + 4);                      // key "i64s": array of int64 (11)
        assertThat(new int[]{b.getInt(), b.getInt()}).containsExactly(9, 11);
        assertThat(b.getLong()).isEqualTo(1);
        assertThat(b.getLong()).isEqualTo(-2);
        assertThat(Files.size(p)).isEqualTo(GgufWriter.align(b.position())); // padded to where tensor data would start
        try (GgufFile g = GgufFile.open(p)) {
            assertThat(g.getLong("u8")).isEqualTo(255L);
            assertThat(g.getStringArray("strs")).containsExactly("a", "bc");
        }
        assertThatThrownBy(() -> new GgufWriter().put("k", new Object()).write(dir.resolve("x.gguf")))
                .hasMessage("metadata k: unsupported value type class java.lang.Object");
    }

    @Test
    void tensorsGivenAsBytesMustHaveTheirDeclaredSize() throws Exception {
        GgufWriter w = new GgufWriter().tensor("a", new long[]{2}, GgmlType.F32, new byte[8]);
        assertThatThrownBy(() -> w.tensor("b", new long[]{3}, GgmlType.F32, new byte[8])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("b: 8 bytes, expected 12");
        Path p = dir.resolve("a.gguf");
        w.write(p);
        try (GgufFile g = GgufFile.open(p)) {
            assertThat(g.tensors().keySet()).containsExactly("a");
        }
        assertThat(GgufWriter.align(0)).isZero();
        assertThat(GgufWriter.align(1)).isEqualTo(32);
        assertThat(GgufWriter.align(32)).isEqualTo(32);
        assertThat(GgufWriter.align(33)).isEqualTo(64);
    }

    /** One file: the header length, the JSON padded with spaces to a multiple of 8, then the data in order. */
    @Test
    void safetensorsFileLayout() throws Exception {
        Path p = dir.resolve("one.safetensors");
        String source = "t".repeat(300); // a header longer than 255 bytes: its length needs two bytes of the 8
        new SafetensorsWriter().metadata("source", source).tensor("a", "F16", new long[]{2}, out -> out.write(new byte[]{0, 0x3c, 0, 0x40}))
                .tensor("b", "F32", new long[]{1, 1}, out -> out.write(new byte[]{0, 0, (byte) 0x80, 0x3f})).writeFile(p);
        String json = "{\"__metadata__\":{\"format\":\"pt\",\"source\":\"" + source + "\"},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[4,8]}}";
        int padded = (json.length() + 7) / 8 * 8;
        byte[] all = Files.readAllBytes(p);
        assertThat(all).hasSize(8 + padded + 8);
        assertThat(padded).isGreaterThan(255);
        assertThat(ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(padded);
        assertThat(new String(all, 8, padded, StandardCharsets.UTF_8)).isEqualTo(json + " ".repeat(padded - json.length()));
        assertThat(java.util.Arrays.copyOfRange(all, 8 + padded, all.length)).containsExactly(0, 0x3c, 0, 0x40, 0, 0, 0x80, 0x3f);
    }

    /** Shards close before a tensor that would pass the limit; a tensor alone may exceed it. */
    @Test
    void safetensorsShardingAndItsIndex() throws Exception {
        Path d = dir.resolve("sharded");
        SafetensorsWriter w = new SafetensorsWriter();
        for (String n : List.of("a", "b", "c")) w.tensor(n, "F32", new long[]{4}, out -> out.write(new byte[16]));
        // 16 + 16 = 32 fits a limit of 32; the third tensor does not
        assertThat(w.writeDirectory(d, 32)).containsExactly(d.resolve("model-00001-of-00002.safetensors"),
                d.resolve("model-00002-of-00002.safetensors"), d.resolve("model.safetensors.index.json"));
        var index = new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.resolve("model.safetensors.index.json").toFile());
        assertThat(index.at("/metadata/total_size").asLong()).isEqualTo(48);
        assertThat(index.at("/weight_map/a").asText()).isEqualTo("model-00001-of-00002.safetensors");
        assertThat(index.at("/weight_map/b").asText()).isEqualTo("model-00001-of-00002.safetensors");
        assertThat(index.at("/weight_map/c").asText()).isEqualTo("model-00002-of-00002.safetensors");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(d)) {
            assertThat(ck.tensorNames()).containsExactlyInAnyOrder("a", "b", "c");
        }
        Path big = dir.resolve("big");
        SafetensorsWriter large = new SafetensorsWriter().tensor("x", "F32", new long[]{16}, out -> out.write(new byte[64]))
                .tensor("y", "F32", new long[]{1}, out -> out.write(new byte[4]));
        assertThat(large.writeDirectory(big, 20)).hasSize(3);
        // an empty tensor opens a shard without filling it: the next tensor joins it whatever its size
        SafetensorsWriter withEmpty = new SafetensorsWriter().tensor("e", "F32", new long[]{0}, out -> { })
                .tensor("x", "F32", new long[]{16}, out -> out.write(new byte[64]));
        assertThat(withEmpty.writeDirectory(dir.resolve("with-empty"), 20)).containsExactly(dir.resolve("with-empty/model.safetensors"));
        assertThat(new SafetensorsWriter().writeDirectory(dir.resolve("empty"), 20)).containsExactly(dir.resolve("empty/model.safetensors"));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir.resolve("empty"))) {
            assertThat(ck.tensorNames()).isEmpty();
        }
    }

    @Test
    void aFailingShardRemovesTheShardsAlreadyWritten() {
        Path d = dir.resolve("failing");
        SafetensorsWriter w = new SafetensorsWriter().tensor("a", "F32", new long[]{4}, out -> out.write(new byte[16]))
                .tensor("b", "F32", new long[]{4}, out -> out.write(new byte[8]));
        assertThatThrownBy(() -> w.writeDirectory(d, 16)).isInstanceOf(SuperweightException.class).hasMessageContaining("tensor b: wrote 8 bytes, expected 16");
        assertThat(d.toFile().list()).isEmpty();
    }

    @Test
    void sideFilesAreCopiedWhenPresent() throws Exception {
        Path from = Files.createDirectories(dir.resolve("from")), to = Files.createDirectories(dir.resolve("to"));
        Files.writeString(from.resolve("tokenizer.json"), "{\"x\": 1}");
        assertThat(SafetensorsWriter.copyIfPresent(from, to, "tokenizer.json")).isTrue();
        assertThat(to.resolve("tokenizer.json")).hasContent("{\"x\": 1}");
        assertThat(SafetensorsWriter.copyIfPresent(from, to, "vocab.txt")).isFalse();
        assertThat(to.resolve("vocab.txt")).doesNotExist();
    }

    /** Tensor bytes written one at a time are counted like bulk writes: too few fail, exactly enough succeed. */
    @Test
    void safetensorsCountsSingleByteWrites() throws Exception {
        Path p = dir.resolve("bytes.safetensors");
        new SafetensorsWriter().tensor("a", "F32", new long[]{1}, out -> {
            for (byte b : new byte[]{0, 0, (byte) 0x80, 0x3f}) out.write(b);
        }).writeFile(p);
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(p)) {
            assertThat(ck.tensor("a").row(0)).containsExactly(1f);
        }
        SafetensorsWriter shortWrite = new SafetensorsWriter().tensor("a", "F32", new long[]{1}, out -> out.write(1));
        assertThatThrownBy(() -> shortWrite.writeFile(dir.resolve("short.safetensors"))).hasMessageContaining("tensor a: wrote 1 bytes, expected 4");
    }
}
