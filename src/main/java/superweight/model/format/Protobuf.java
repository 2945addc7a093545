package superweight.model.format;

import superweight.SuperweightException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A cursor over one protobuf message inside a memory-mapped file: reads field tags and values, with every length
 * checked against the enclosing message before it is used, so a corrupt or hostile file gives a one-line error
 * naming the file and offset instead of an exception deep in a parser. Only the wire types ONNX uses are read
 * (varint, 64-bit, length-delimited, 32-bit); groups are refused.
 */
final class Protobuf {
    static final int VARINT = 0, FIXED64 = 1, BYTES = 2, FIXED32 = 5;

    private final Path file;
    private final MemorySegment data;
    private final long end;
    private long pos;
    private int field, wireType;

    Protobuf(Path file, MemorySegment data, long start, long end) {
        this.file = file;
        this.data = data;
        this.pos = start;
        this.end = end;
    }

    /** Advances to the next field; false at the end of the message. */
    boolean next() {
        if (pos >= end) return false;
        long tag = varint();
        field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (field <= 0 || tag >>> 3 > Integer.MAX_VALUE) throw error("invalid field number " + (tag >>> 3));
        return true;
    }

    int field() {
        return field;
    }

    int wireType() {
        return wireType;
    }

    long varint() {
        long r = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw error("truncated varint");
            byte b = data.get(ValueLayout.JAVA_BYTE, pos++);
            r |= (long) (b & 0x7f) << shift;
            if (b >= 0) return r;
        }
        throw error("varint longer than 10 bytes");
    }

    /** The current length-delimited value as a sub-message cursor; skips it in this one. */
    Protobuf message() {
        long[] range = bytesRange();
        return new Protobuf(file, data, range[0], range[1]);
    }

    /** {start, end} of the current length-delimited value, checked to lie inside this message. */
    long[] bytesRange() {
        expect(BYTES);
        long len = varint();
        if (len < 0 || len > end - pos) throw error("field " + field + " claims " + len + " bytes but only " + (end - pos) + " remain");
        long start = pos;
        pos += len;
        return new long[]{start, pos};
    }

    String string(int maxBytes) {
        long[] r = bytesRange();
        if (r[1] - r[0] > maxBytes) throw error("string of " + (r[1] - r[0]) + " bytes in field " + field + " (limit " + maxBytes + ")");
        return new String(data.asSlice(r[0], r[1] - r[0]).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    float fixed32Float() {
        expect(FIXED32);
        if (end - pos < 4) throw error("truncated 32-bit value");
        float f = data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), pos);
        pos += 4;
        return f;
    }

    /** Skips the current field's value whatever its wire type. */
    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> advance(8);
            case BYTES -> bytesRange();
            case FIXED32 -> advance(4);
            default -> throw error("unsupported wire type " + wireType + " in field " + field);
        }
    }

    private void advance(long n) {
        if (end - pos < n) throw error("truncated field " + field);
        pos += n;
    }

    private void expect(int type) {
        if (wireType != type) throw error("field " + field + " has wire type " + wireType + ", expected " + type);
    }

    long endOffset() {
        return end;
    }

    long position() {
        return pos;
    }

    SuperweightException error(String what) {
        return new SuperweightException(file + ": invalid ONNX protobuf at byte " + pos + ": " + what);
    }
}
