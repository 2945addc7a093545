package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.SuperweightException;
import superweight.model.tensor.GgmlType;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The GGUF reader on files written field by field ({@link RawGguf}) after the GGUF spec (ggml's docs/gguf.md):
 * header = magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata count; a metadata entry = string key
 * (uint64 length + UTF-8), uint32 value type, value; value types 0 uint8, 1 int8, 2 uint16, 3 int16, 4 uint32,
 * 5 int32, 6 float32, 7 bool (1 byte), 8 string, 9 array (uint32 element type, uint64 count, elements),
 * 10 uint64, 11 int64, 12 float64; a tensor entry = name, uint32 n_dims, n_dims x uint64 (ne0 first), uint32
 * ggml type, uint64 offset from the data section, which starts at the next multiple of general.alignment
 * (default 32) after the header. Every expected value and byte position below is counted by hand from that layout.
 */
class GgufFileTest {
    @TempDir
    Path tmp;

    private Path file(byte[] b) throws IOException {
        Path p = tmp.resolve("t.gguf");
        Files.write(p, b);
        return p;
    }

    private GgufFile open(RawGguf g) throws IOException {
        return GgufFile.open(file(g.toBytes()));
    }

    /** Refused with exactly {@code path: message}. */
    private void refused(byte[] b, String message) throws IOException {
        Path p = file(b);
        assertThatThrownBy(() -> GgufFile.open(p).close()).isInstanceOf(SuperweightException.class).hasMessage(p + ": " + message);
    }

    private static byte[] le(int bytes, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return java.util.Arrays.copyOf(b.array(), bytes);
    }

    @Test
    void everyScalarValueType() throws IOException {
        RawGguf g = new RawGguf(0, 13)
                .str("u8").u32(0).bytes(le(1, 0xFF))
                .str("i8").u32(1).bytes(le(1, 0xFF))
                .str("u16").u32(2).bytes(le(2, 0xFFFF))
                .str("i16").u32(3).bytes(le(2, 0xFFFE))
                .str("u32").u32(4).u32(-1)
                .str("i32").u32(5).u32(-3)
                .str("f32").u32(6).u32(Float.floatToRawIntBits(1.5f))
                .str("true").u32(7).bytes(le(1, 2))
                .str("false").u32(7).bytes(le(1, 0))
                .str("s").u32(8).str("héllo")
                .str("u64").u32(10).u64(-1)
                .str("i64").u32(11).u64(-5)
                .str("f64").u32(12).u64(Double.doubleToRawLongBits(0.1));
        try (GgufFile f = open(g)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.metadata()).containsOnlyKeys("u8", "i8", "u16", "i16", "u32", "i32", "f32", "true", "false", "s", "u64", "i64", "f64");
            assertThat(f.getLong("u8")).isEqualTo(255L);
            assertThat(f.getLong("i8")).isEqualTo(-1L);
            assertThat(f.getLong("u16")).isEqualTo(65535L);
            assertThat(f.getLong("i16")).isEqualTo(-2L);
            assertThat(f.getLong("u32")).isEqualTo(4294967295L);
            assertThat(f.getLong("i32")).isEqualTo(-3L);
            assertThat(f.metadata().get("f32")).isEqualTo(1.5);
            assertThat(f.getBoolean("true")).isTrue();
            assertThat(f.getBoolean("false")).isFalse();
            assertThat(f.getString("s")).isEqualTo("héllo");
            assertThat(f.getLong("u64")).isEqualTo(-1L); // uint64 2^64 - 1 kept as its bits
            assertThat(f.getLong("i64")).isEqualTo(-5L);
            assertThat(f.getDouble("f64")).isEqualTo(0.1);
            // the typed accessors answer null for another type, and getDouble widens integers
            assertThat(f.getDouble("i32")).isEqualTo(-3.0);
            assertThat(f.getDouble("s")).isNull();
            assertThat(f.getLong("f32")).isNull();
            assertThat(f.getString("u8")).isNull();
            assertThat(f.getBoolean("u8")).isNull();
            assertThat(f.getLong("absent")).isNull();
            assertThat(f.tensors()).isEmpty();
        }
    }

    @Test
    void everyArrayElementType() throws IOException {
        RawGguf g = new RawGguf(0, 8)
                .str("u8s").u32(9).u32(0).u64(2).bytes(new byte[]{1, (byte) 0xFF})
                .str("i16s").u32(9).u32(3).u64(2).bytes(le(2, 0xFFFF)).bytes(le(2, 7))
                .str("i32s").u32(9).u32(5).u64(3).u32(-1).u32(2).u32(1 << 30)
                .str("u64s").u32(9).u32(10).u64(1).u64(1L << 40)
                .str("f32s").u32(9).u32(6).u64(2).u32(Float.floatToRawIntBits(0.5f)).u32(Float.floatToRawIntBits(-2f))
                .str("f64s").u32(9).u32(12).u64(2).u64(Double.doubleToRawLongBits(0.25)).u64(Double.doubleToRawLongBits(-1e300))
                .str("bools").u32(9).u32(7).u64(3).bytes(new byte[]{1, 0, 5})
                .str("strs").u32(9).u32(8).u64(2).str("a").str("<s>");
        try (GgufFile f = open(g)) {
            assertThat((long[]) f.metadata().get("u8s")).containsExactly(1, 255);
            assertThat((long[]) f.metadata().get("i16s")).containsExactly(-1, 7);
            assertThat(f.getIntArray("i32s")).containsExactly(-1, 2, 1 << 30);
            assertThat((long[]) f.metadata().get("u64s")).containsExactly(1L << 40);
            assertThat(f.getFloatArray("f32s")).containsExactly(0.5f, -2f);
            assertThat((double[]) f.metadata().get("f64s")).containsExactly(0.25, -1e300);
            assertThat(f.getFloatArray("f64s")).containsExactly(0.25f, Float.NEGATIVE_INFINITY);
            assertThat((boolean[]) f.metadata().get("bools")).containsExactly(true, false, true);
            assertThat(f.getStringArray("strs")).containsExactly("a", "<s>");
            assertThat(f.getStringArray("i32s")).isNull();
            assertThat(f.getFloatArray("i32s")).isNull();
            assertThat(f.getIntArray("f32s")).isNull();
        }
    }

    @Test
    void emptyArraysAreRead() throws IOException {
        try (GgufFile f = open(new RawGguf(0, 2).str("none").u32(9).u32(5).u64(0).str("no strings").u32(9).u32(8).u64(0))) {
            assertThat(f.getIntArray("none")).isEmpty();
            assertThat(f.getStringArray("no strings")).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 13})
    void arraysOfArraysOrUnknownTypesAreRefused(int elementType) throws IOException {
        refused(new RawGguf(0, 1).str("k").u32(9).u32(elementType).u64(1).u64(0).toBytes(),
                "metadata array k has unsupported element type " + elementType);
    }

    /**
     * An array claiming one element more than the rest of the file can hold at the element's minimum width (1 byte,
     * 2, 4, or 8 for 64-bit values and strings) is refused before reading; claiming exactly as many passes that check.
     */
    @ParameterizedTest
    @CsvSource({"0, 1", "2, 2", "4, 4", "6, 4", "10, 8", "12, 8", "8, 8"})
    void arrayLengthsAreCheckedAgainstTheRestOfTheFile(int type, int width) throws IOException {
        // header 24 + key (8 + 1) + type 4 + element type 4 + count 8 = 49; then 3 elements of `width` bytes end the file
        RawGguf fits = new RawGguf(0, 1).str("k").u32(9).u32(type).u64(3).bytes(new byte[3 * width]);
        try (GgufFile f = open(fits)) {
            assertThat(f.metadata()).containsKey("k");
        }
        refused(new RawGguf(0, 1).str("k").u32(9).u32(type).u64(4).bytes(new byte[3 * width]).toBytes(),
                "metadata array k claims 4 elements (cap 16777216, and the file's remaining bytes)");
        refused(new RawGguf(0, 1).str("k").u32(9).u32(type).u64(-1).bytes(new byte[3 * width]).toBytes(),
                "metadata array k claims -1 elements (cap 16777216, and the file's remaining bytes)");
    }

    /** The element cap 2^24 on its own (a sparse file large enough that the size check would pass). */
    @Test
    void arrayCapIsTwoToTheTwentyFour() throws IOException {
        int cap = 1 << 24;
        Path p = tmp.resolve("big.gguf");
        byte[] head = new RawGguf(0, 1).str("k").u32(9).u32(6).u64(cap).toBytes();
        Files.write(p, head);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(head.length + 4L * (cap + 1));
        }
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.getFloatArray("k")).hasSize(cap);
        }
        head = new RawGguf(0, 1).str("k").u32(9).u32(6).u64(cap + 1).toBytes();
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(head);
        }
        assertThatThrownBy(() -> GgufFile.open(p)).hasMessage(p + ": metadata array k claims 16777217 elements (cap 16777216, and the file's remaining bytes)");
    }

    @Test
    void magicVersionAndMinimumSize() throws IOException {
        byte[] empty = new RawGguf(0, 0).toBytes();
        assertThat(empty).hasSize(24);
        try (GgufFile f = GgufFile.open(file(empty))) {
            assertThat(f.metadata()).isEmpty();
        }
        refused(java.util.Arrays.copyOf(empty, 23), "not a GGUF file (bad magic)");
        byte[] bad = empty.clone();
        bad[3] = 'V';
        refused(bad, "not a GGUF file (bad magic)");
        for (int v : new int[]{1, 4}) {
            byte[] b = empty.clone();
            b[4] = (byte) v;
            refused(b, "unsupported GGUF version " + v + " (2 and 3 are supported)");
        }
        byte[] v2 = empty.clone();
        v2[4] = 2;
        try (GgufFile f = GgufFile.open(file(v2))) {
            assertThat(f.version()).isEqualTo(2);
        }
    }

    /** Counts are checked against what the file can hold: 12 bytes per metadata entry, 24 per tensor entry. */
    @Test
    void countsBeyondTheFileSizeAreRefused() throws IOException {
        byte[] padding = new byte[96]; // the file is 24 + 96 = 120 bytes: room for 10 entries of 12 or 5 of 24
        refused(new RawGguf(0, 11).bytes(padding).toBytes(), "header claims 0 tensors and 11 metadata entries, more than 120 bytes can hold (truncated header?)");
        refused(new RawGguf(6, 0).bytes(padding).toBytes(), "header claims 6 tensors and 0 metadata entries, more than 120 bytes can hold (truncated header?)");
        refused(new RawGguf(-1, 0).bytes(padding).toBytes(), "header claims -1 tensors and 0 metadata entries, more than 120 bytes can hold (truncated header?)");
        refused(new RawGguf(0, -1).bytes(padding).toBytes(), "header claims 0 tensors and -1 metadata entries, more than 120 bytes can hold (truncated header?)");
        // exactly the maximum passes the count check; the zero bytes then read as empty keys of type 0 (uint8 0)
        // (each entry: 8-byte key length 0, type 0, one byte) until the keys repeat
        refused(new RawGguf(0, 10).bytes(padding).toBytes(), "metadata key  appears twice");
        // five tensors: the first entry (empty name, 0 dimensions) is refused as a tensor, not as a count
        refused(new RawGguf(5, 0).bytes(padding).toBytes(), "tensor  has 0 dimensions");
    }

    /** The caps of 2^20 tensors and 2^20 metadata entries hold even when a (sparse) file is large enough. */
    @Test
    void entryCapsHoldForLargeFiles() throws IOException {
        Path p = tmp.resolve("sparse.gguf");
        long size = 24L * ((1 << 20) + 2);
        for (long[] counts : new long[][]{{(1 << 20) + 1, 0}, {0, (1 << 20) + 1}}) {
            Files.write(p, new RawGguf(counts[0], counts[1]).toBytes());
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(size);
            }
            assertThatThrownBy(() -> GgufFile.open(p)).hasMessage(p + ": header claims " + counts[0] + " tensors and " + counts[1]
                    + " metadata entries, more than " + size + " bytes can hold (truncated header?)");
        }
        Files.write(p, new RawGguf(1 << 20, 0).toBytes());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        assertThatThrownBy(() -> GgufFile.open(p)).hasMessage(p + ": tensor  has 0 dimensions");
        Files.write(p, new RawGguf(0, 1 << 20).toBytes());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        assertThatThrownBy(() -> GgufFile.open(p)).hasMessage(p + ": metadata key  appears twice");
    }

    @Test
    void stringsAreCheckedAgainstTheCapAndTheFile() throws IOException {
        refused(new RawGguf(0, 1).u64(-1).bytes(new byte[64]).toBytes(), "string length -1 at byte 24 (cap 16777216)");
        refused(new RawGguf(0, 1).u64((16 << 20) + 1).bytes(new byte[64]).toBytes(), "string length 16777217 at byte 24 (cap 16777216)");
        refused(new RawGguf(0, 1).u64(16 << 20).bytes(new byte[64]).toBytes(), "truncated header while reading string at byte 32");
        // a key ending exactly at the end of the file: the key is read, its type is not there
        refused(new RawGguf(0, 1).str("abc").toBytes(), "truncated header while reading metadata type of abc at byte 35");
        refused(new RawGguf(0, 1).str("abc").u32(4).bytes(new byte[3]).toBytes(), "truncated header while reading abc at byte 39");
        refused(new RawGguf(0, 1).str("abc").u32(10).bytes(new byte[7]).toBytes(), "truncated header while reading abc at byte 39");
        refused(new RawGguf(0, 1).str("abc").u32(12).bytes(new byte[7]).toBytes(), "truncated header while reading abc at byte 39");
        refused(new RawGguf(0, 1).str("abc").u32(6).bytes(new byte[3]).toBytes(), "truncated header while reading abc at byte 39");
        refused(new RawGguf(0, 1).str("abc").u32(2).bytes(new byte[1]).toBytes(), "truncated header while reading abc at byte 39");
        refused(new RawGguf(0, 1).str("abc").u32(3).bytes(new byte[1]).toBytes(), "truncated header while reading abc at byte 39");
        for (int oneByte : new int[]{0, 1, 7}) {
            refused(new RawGguf(0, 1).str("abc").u32(oneByte).toBytes(), "truncated header while reading abc at byte 39");
        }
        refused(new RawGguf(0, 1).str("abc").u32(9).u32(6).u64(1).bytes(new byte[3]).toBytes(),
                "metadata array abc claims 1 elements (cap 16777216, and the file's remaining bytes)");
        refused(new RawGguf(0, 1).str("abc").u32(9).u32(8).toBytes(), "truncated header while reading array length of abc at byte 43");
    }

    /** Tensor data starts at the first multiple of general.alignment after the header; offsets are relative to it. */
    @Test
    void tensorDataFollowsTheAlignment() throws IOException {
        // header 24 + alignment entry (8 + 17 + 4 + 4 = 33) = 57; tensor entry (8 + 1 + 4 + 8 + 4 + 8 = 33) = 90 -> data at 128
        RawGguf g = new RawGguf(1, 1).str("general.alignment").u32(4).u32(64).tensor("t", new long[]{2}, GgmlType.F32, 0);
        byte[] head = g.toBytes();
        assertThat(head).hasSize(90);
        ByteBuffer b = ByteBuffer.allocate(136).order(ByteOrder.LITTLE_ENDIAN).put(head);
        b.putFloat(90, -7f).putFloat(96, -8f).putFloat(128, 1.25f).putFloat(132, -3f);
        try (GgufFile f = GgufFile.open(file(b.array()))) {
            var t = f.tensors().get("t");
            assertThat(f.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(1.25f, -3f);
            assertThat(t.elements()).isEqualTo(2);
        }
        // alignment 1: data right after the header, at byte 90
        RawGguf one = new RawGguf(1, 1).str("general.alignment").u32(4).u32(1).tensor("t", new long[]{2}, GgmlType.F32, 0);
        ByteBuffer c = ByteBuffer.allocate(98).order(ByteOrder.LITTLE_ENDIAN).put(one.toBytes()).putFloat(90, 4f).putFloat(94, 5f);
        try (GgufFile f = GgufFile.open(file(c.array()))) {
            assertThat(f.data(f.tensors().get("t")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(4f, 5f);
        }
        // the default (32) when general.alignment is not an integer: data at 96
        RawGguf text = new RawGguf(1, 1).kvString("general.alignment", "64").tensor("t", new long[]{1}, GgmlType.F32, 0);
        ByteBuffer d = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN).put(text.toBytes()).putFloat(96, 9f);
        try (GgufFile f = GgufFile.open(file(d.array()))) {
            assertThat(f.data(f.tensors().get("t")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(9f);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -32, 48, 1 << 21})
    void badAlignmentsAreRefused(long alignment) throws IOException {
        refused(new RawGguf(0, 1).str("general.alignment").u32(11).u64(alignment).toBytes(), "bad general.alignment " + alignment);
    }

    @Test
    void theLargestAlignmentIsTwoToTheTwenty() throws IOException {
        try (GgufFile f = open(new RawGguf(0, 1).str("general.alignment").u32(4).u32(1 << 20))) {
            assertThat(f.getLong("general.alignment")).isEqualTo(1L << 20);
        }
    }

    @Test
    void tensorDimensionsAreChecked() throws IOException {
        refused(new RawGguf(1, 0).tensor("t", new long[0], GgmlType.F32, 0).alignedData(64).toBytes(), "tensor t has 0 dimensions");
        refused(new RawGguf(1, 0).tensor("t", new long[]{1, 1, 1, 1, 1}, GgmlType.F32, 0).alignedData(64).toBytes(), "tensor t has 5 dimensions");
        try (GgufFile f = open(new RawGguf(1, 0).tensor("t", new long[]{1, 2, 1, 3}, GgmlType.F32, 0).alignedData(32))) {
            assertThat(f.tensors().get("t").dims()).containsExactly(1, 2, 1, 3);
            assertThat(f.tensors().get("t").elements()).isEqualTo(6);
        }
        refused(new RawGguf(1, 0).tensor("t", new long[]{4, 0}, GgmlType.F32, 0).alignedData(64).toBytes(),
                "tensor t has dimension 0 (outside 1..320)");
        // ne0 may be as long as an int; the other dimensions up to twice the file's bytes (here 2 x 128)
        byte[] rowOfMaxInt = new RawGguf(1, 0).tensor("t", new long[]{Integer.MAX_VALUE}, GgmlType.F32, 0).alignedData(64).toBytes();
        refused(rowOfMaxInt, "tensor t claims bytes 64..8589934652 but the file has 128 (truncated?)");
        refused(new RawGguf(1, 0).tensor("t", new long[]{1L << 31}, GgmlType.F32, 0).alignedData(64).toBytes(),
                "tensor t has dimension 2147483648 (outside 1..2147483647)");
        refused(new RawGguf(1, 0).tensor("t", new long[]{1, 256}, GgmlType.F32, 0).alignedData(32).toBytes(),
                "tensor t claims bytes 96..1120 but the file has 128 (truncated?)");
        refused(new RawGguf(1, 0).tensor("t", new long[]{1, 257}, GgmlType.F32, 0).alignedData(32).toBytes(),
                "tensor t has dimension 257 (outside 1..256)");
        // a product beyond 2^63 with every dimension in range: a 2^16-byte file allows dimensions up to 2^17
        byte[] overflow = new RawGguf(1, 0).tensor("t", new long[]{Integer.MAX_VALUE, 1 << 17, 1 << 17}, GgmlType.F32, 0).toBytes();
        refused(java.util.Arrays.copyOf(overflow, 1 << 16), "tensor t has more elements than a 64-bit count holds");
        refused(new RawGguf(1, 0).tensor("t", new long[]{4}, GgmlType.F32, -1).alignedData(64).toBytes(), "tensor t has a negative offset -1");
    }

    @Test
    void tensorRangesMustLieInTheFileWithoutOverlap() throws IOException {
        // one tensor header (8 + 1 + 4 + 8 + 4 + 8 = 33) after 24 bytes: data at 64; 4 floats end exactly at 80
        try (GgufFile f = open(new RawGguf(1, 0).tensor("t", new long[]{4}, GgmlType.F32, 0).alignedData(16))) {
            assertThat(f.data(f.tensors().get("t")).byteSize()).isEqualTo(16);
        }
        refused(new RawGguf(1, 0).tensor("t", new long[]{4}, GgmlType.F32, 0).alignedData(15).toBytes(),
                "tensor t claims bytes 64..80 but the file has 79 (truncated?)");
        // directory order late, early: sorted by offset the early one comes first; adjacent ranges are fine
        RawGguf adjacent = new RawGguf(2, 0).tensor("late", new long[]{8}, GgmlType.F32, 32).tensor("early", new long[]{8}, GgmlType.F32, 0);
        try (GgufFile f = open(adjacent.alignedData(64))) {
            assertThat(f.tensors().keySet()).containsExactly("late", "early");
            assertThat(f.tensors().get("late").offset()).isEqualTo(32);
        }
        RawGguf overlapping = new RawGguf(2, 0).tensor("late", new long[]{8}, GgmlType.F32, 28).tensor("early", new long[]{8}, GgmlType.F32, 0);
        refused(overlapping.alignedData(64).toBytes(), "tensors early and late overlap (bytes 156..160)");
        RawGguf three = new RawGguf(3, 0).tensor("c", new long[]{4}, GgmlType.F32, 64).tensor("a", new long[]{8}, GgmlType.F32, 0)
                .tensor("b", new long[]{8}, GgmlType.F32, 32);
        try (GgufFile f = open(three.alignedData(80))) {
            assertThat(f.tensors()).hasSize(3);
        }
        RawGguf threeOverlapping = new RawGguf(3, 0).tensor("c", new long[]{4}, GgmlType.F32, 60).tensor("a", new long[]{8}, GgmlType.F32, 0)
                .tensor("b", new long[]{8}, GgmlType.F32, 32);
        refused(threeOverlapping.alignedData(80).toBytes(), "tensors b and c overlap (bytes 188..192)");
    }
}
