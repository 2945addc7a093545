package superweight.model.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Test helper: GGUF bytes written field by field, so that a test can put any (hostile) value anywhere. */
public final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Magic, version 3, and the two counts as given (they need not match what follows). */
    public RawGguf(long tensorCount, long kvCount) {
        u32(0x46554747).u32(3).u64(tensorCount).u64(kvCount);
    }

    public RawGguf u32(int v) {
        return bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    public RawGguf u64(long v) {
        return bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    public RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).bytes(b);
    }

    /** A metadata entry of type uint32 (4). */
    public RawGguf kvU32(String key, int value) {
        return str(key).u32(4).u32(value);
    }

    /** A metadata entry of type string (8). */
    public RawGguf kvString(String key, String value) {
        return str(key).u32(8).str(value);
    }

    /** A tensor directory entry: name, dims (ggml order), type, offset. */
    public RawGguf tensor(String name, long[] dims, int type, long offset) {
        str(name).u32(dims.length);
        for (long d : dims) u64(d);
        return u32(type).u64(offset);
    }

    /** Zero bytes up to the next multiple of 32 (the default alignment), then {@code n} data bytes. */
    public RawGguf alignedData(int n) {
        while (out.size() % 32 != 0) out.write(0);
        return bytes(new byte[n]);
    }

    public RawGguf bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }
}
