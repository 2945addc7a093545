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
                .tensor("m", new long[]{32, 2}, GgmlType.Q8_0, out -> out.write(new byte[68]))
                .write(p);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isEqualTo(0x46554747); // "GGUF"
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getLong()).isEqualTo(2);
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
            var v = g.tensors().get("v");
            var m = g.tensors().get("m");
            assertThat(v.offset()).isZero();
            assertThat(m.offset()).isEqualTo(32); // 12 bytes padded to the 32-byte alignment
            assertThat(g.data(m).byteSize()).isEqualTo(68); // 2 blocks of 34 bytes
        }
        long headerEnd = Files.size(p) - 32 - 68 - 28; // data = v (12 + 20 padding) + m (68 + 28 padding)
        assertThat(headerEnd % 32).isZero();
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
}
