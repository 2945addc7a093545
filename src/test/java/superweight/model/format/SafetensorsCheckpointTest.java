package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The safetensors reader on files written by hand after the format's spec (huggingface/safetensors README): an
 * 8-byte little-endian header length N, N bytes of JSON ({@code name: {dtype, shape, data_offsets [begin, end)}},
 * offsets relative to the byte after the header, an optional {@code __metadata__}), then the data.
 */
class SafetensorsCheckpointTest {
    @TempDir
    Path tmp;

    /** A file of the header (as given) followed by {@code data}. */
    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data);
        Path p = tmp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private void refused(String header, int dataBytes, String message) throws IOException {
        Path p = file("x.safetensors", header, new byte[dataBytes]);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(p).close()).isInstanceOf(SuperweightException.class).hasMessage(p + ": " + message);
    }

    @Test
    void valuesOfEveryDtypeAndShape() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 1; i <= 6; i++) d.putFloat(i);                  // m: F32 [2, 3] = 1..6, bytes 0..24
        d.putShort((short) 0x3C00).putShort((short) 0xC000);          // h: F16 [2] = 1, -2, bytes 24..28
        d.putShort((short) 0x3F80).putShort((short) 0x4049);          // b: BF16 [2] = 1, 3.140625, bytes 28..32
        d.putFloat(7);                                                // s: F32 [] = 7, bytes 32..36
        d.putFloat(8).putFloat(9).putFloat(10);                       // c: F32 [3, 1, 1] = 8, 9, 10, bytes 36..48
        String header = "{\"__metadata__\": {\"format\": \"pt\"},"
                + "\"m\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
                + "\"h\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [24, 28]},"
                + "\"b\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [28, 32]},"
                + "\"s\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [32, 36]},"
                + "\"c\": {\"dtype\": \"F32\", \"shape\": [3, 1, 1], \"data_offsets\": [36, 48]}}";
        Path p = file("x.safetensors", header, d.array());
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(p)) {
            assertThat(ck.tensorNames()).containsExactly("m", "h", "b", "s", "c");
            Tensor m = ck.tensor("m");
            assertThat(m.rows()).isEqualTo(2);
            assertThat(m.row(0)).containsExactly(1, 2, 3);
            assertThat(m.row(1)).containsExactly(4, 5, 6);
            assertThat(m.dtype()).isEqualTo("F32");
            assertThat(ck.tensor("h").row(0)).containsExactly(1, -2);
            assertThat(ck.tensor("h").dtype()).isEqualTo("F16");
            assertThat(ck.tensor("b").row(0)).containsExactly(1, 3.140625f);
            assertThat(ck.tensor("b").dtype()).isEqualTo("BF16");
            assertThat(ck.tensor("s").rows()).isEqualTo(1);
            assertThat(ck.tensor("s").row(0)).containsExactly(7);
            Tensor c = ck.tensor("c");
            assertThat(c.rows()).isEqualTo(3);
            assertThat(c.cols()).isEqualTo(1);
            assertThat(c.row(2)).containsExactly(10);
            assertThat(ck.tensor("m")).isSameAs(m);
            assertThat(ck.shape("m")).containsExactly(2, 3);
            assertThat(ck.shape("s")).isEmpty();
            ck.shape("c")[0] = 99;
            assertThat(ck.shape("c")).containsExactly(3, 1, 1);
            assertThat(ck.dataBytes()).isEqualTo(48);
            assertThat(ck.openedTensorNames()).containsExactlyInAnyOrder("m", "h", "b", "s", "c");
            assertThat(ck.format()).isEqualTo(Checkpoint.Format.HUGGING_FACE);
            assertThat(ck.path()).isEqualTo(p);
            assertThat(ck.directory()).isEqualTo(tmp.toAbsolutePath());
            assertThatThrownBy(() -> ck.tensor("z")).hasMessage(p + ": missing tensor z");
            assertThatThrownBy(() -> ck.shape("z")).hasMessage(p + ": missing tensor z");
        }
    }

    @Test
    void headerLengthIsCheckedAgainstTheFile() throws IOException {
        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[7]);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(tiny)).hasMessage(tiny + ": truncated (7 bytes, no header)");
        // exactly 8 bytes: a header length of 0 is not a header
        Path zero = tmp.resolve("zero.safetensors");
        Files.write(zero, new byte[8]);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(zero))
                .hasMessage(zero + ": header claims 0 bytes but the file has 8 (truncated or not safetensors)");
        // the header may end the file (no tensors), but not run past it by one byte
        Path exact = file("exact.safetensors", "{}", new byte[0]);
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(exact)) {
            assertThat(ck.tensorNames()).isEmpty();
            assertThat(ck.dataBytes()).isZero();
        }
        byte[] b = Files.readAllBytes(exact);
        b[0] = 3;
        Files.write(exact, b);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(exact))
                .hasMessage(exact + ": header claims 3 bytes but the file has 10 (truncated or not safetensors)");
        b[0] = -1;
        for (int i = 1; i < 8; i++) b[i] = -1;
        Files.write(exact, b);
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(exact))
                .hasMessage(exact + ": header claims -1 bytes but the file has 10 (truncated or not safetensors)");
    }

    /** The 100 MiB header cap holds for a (sparse) file large enough to hold the claimed header. */
    @Test
    void headerCapIsAHundredMebibytes() throws IOException {
        Path p = tmp.resolve("big.safetensors");
        Files.write(p, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((100L << 20) + 1).array());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(200L << 20);
        }
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(p))
                .hasMessage(p + ": header claims 104857601 bytes but the file has 209715200 (truncated or not safetensors)");
        // exactly the cap passes the length check and is parsed: zero bytes are not JSON
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(100L << 20).array());
        }
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(p)).hasMessage(p + ": header is not valid JSON");
    }

    @Test
    void headerEntriesAreChecked() throws IOException {
        refused("{\"t\": ", 0, "header is not valid JSON");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": 4, \"data_offsets\": [0, 16]}}", 16, "tensor t has no shape array of at most 8 dimensions");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0]}}", 16, "tensor t has no data_offsets");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": 0}}", 16, "tensor t has no data_offsets");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16, 32]}}", 32, "tensor t has no data_offsets");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}}", 16,
                "tensor t claims bytes 8..4 but the data section has 16 (truncated?)");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 18446744073709551615]}}", 16,
                "tensor t has data_offsets value 18446744073709551615, not a non-negative integer");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [1, 2147483648], \"data_offsets\": [0, 16]}}", 16,
                "tensor t has rows of 2147483648 values (more than an int)");
        refused("{\"t\": {\"dtype\": \"F32\", \"shape\": [2147483647], \"data_offsets\": [0, 16]}}", 16,
                "tensor t has 16 bytes for shape [2147483647] of F32 (expected 8589934588)");
        refused("{\"t\": {\"dtype\": \"BF16\", \"shape\": [3], \"data_offsets\": [4, 12]}}", 16, "tensor t has 8 bytes for shape [3] of BF16 (expected 6)");
        refused("{\"t\": {\"shape\": [3], \"data_offsets\": [0, 8]}}", 16, "tensor t has unsupported dtype  (supported: F32, F16, BF16)");
        // eight dimensions and a tensor ending exactly at the end of the data are fine
        Path p = file("ok.safetensors", "{\"t\": {\"dtype\": \"F16\", \"shape\": [1,1,1,1,1,1,2,4], \"data_offsets\": [0, 16]}}", new byte[16]);
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(p)) {
            assertThat(ck.tensor("t").rows()).isEqualTo(2);
            assertThat(ck.tensor("t").cols()).isEqualTo(4);
        }
    }

    /** Overlap offsets are file offsets: 8 + the header length + the data offset. */
    @Test
    void tensorsMaySharePositionsOnlyWhenEmpty() throws IOException {
        String overlapping = "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]}}";
        int base = 8 + overlapping.length();
        refused(overlapping, 16, "tensors a and b overlap (data bytes " + (base + 8) + ".." + (base + 16) + " of the file)");
        // listed in the other order, sorted by offset before the check
        String reversed = "{\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [12, 20]},"
                + " \"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}";
        int base2 = 8 + reversed.length();
        refused(reversed, 20, "tensors a and b overlap (data bytes " + (base2 + 12) + ".." + (base2 + 16) + " of the file)");
        String fine = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 16]},"
                + " \"empty\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [4, 4]}}";
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(file("fine.safetensors", fine, new byte[16]))) {
            assertThat(ck.tensorNames()).containsExactly("a", "b", "empty");
            assertThat(ck.dataBytes()).isEqualTo(16);
        }
    }

    /** The sharded fixture holds the same tensors as the single-file one. */
    @Test
    void shardedFixtureEqualsTheSingleFile() throws IOException {
        Path llama = Fixtures.arch("llama");
        try (SafetensorsCheckpoint one = SafetensorsCheckpoint.open(llama.resolve("model.safetensors"));
             SafetensorsCheckpoint sharded = SafetensorsCheckpoint.open(llama.resolve("sharded"))) {
            assertThat(sharded.tensorNames()).containsExactlyInAnyOrderElementsOf(one.tensorNames());
            assertThat(sharded.dataBytes()).isEqualTo(one.dataBytes());
            assertThat(sharded.directory()).isEqualTo(llama.resolve("sharded"));
            for (String n : one.tensorNames()) {
                Tensor a = one.tensor(n), b = sharded.tensor(n);
                assertThat(b.rows()).isEqualTo(a.rows());
                for (int r = 0; r < a.rows(); r++) assertThat(b.row(r)).as(n).containsExactly(a.row(r));
            }
        }
    }

    @Test
    void shardIndexProblemsAreNamed() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\": {}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessage(index + ": no weight_map object");
        Files.writeString(index, "{\"weight_map\": [\"a.safetensors\"]}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessage(index + ": no weight_map object");
        String one = "{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}";
        Path a = file("m/a.safetensors", one, new byte[4]);
        file("m/b.safetensors", one, new byte[4]);
        Files.writeString(index, "{\"weight_map\": {\"t\": \"a.safetensors\", \"u\": \"a.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessage(index + ": tensor u is not in a.safetensors");
        Files.writeString(index, "{\"weight_map\": {\"t\": \"a.safetensors\", \"t2\": \"b.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).hasMessage(dir.resolve("b.safetensors") + ": tensor t appears in two shards");
        Files.writeString(index, "{\"weight_map\": {\"t\": \"a.safetensors\"}}");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertThat(ck.tensorNames()).containsExactly("t");
            assertThat(ck.path()).isEqualTo(dir);
            assertThat(ck.directory()).isEqualTo(dir);
        }
        assertThat(a).exists();
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(plain)).hasMessage(plain.resolve("model.safetensors") + ": missing safetensors file");
    }
}
