package superweight.model.format;

import superweight.io.AtomicOutput;

import superweight.model.tensor.GgmlType;


import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files: typed metadata and tensors given as raw bytes in a ggml type. Metadata values may be
 * String, Integer (uint32), Long (uint64), Float (float32), Double (float64), Boolean, String[], float[], int[]
 * (int32 arrays) — the types llama.cpp expects for the common keys.
 */
public final class GgufWriter {
    private static final int ALIGNMENT = 32;

    private record PendingTensor(String name, long[] dims, int type, byte[] data) {
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    public GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor; dims in ggml order (dims[0] = contiguous axis = columns). */
    public GgufWriter tensor(String name, long[] dims, int ggmlType, byte[] data) {
        long elements = 1;
        for (long d : dims) elements *= d;
        long expected = GgmlType.byteSize(ggmlType, elements, name, Path.of("<writer>"));
        if (expected != data.length) throw new IllegalArgumentException(name + ": " + data.length + " bytes, expected " + expected);
        tensors.add(new PendingTensor(name, dims.clone(), ggmlType, data));
        return this;
    }

    public void write(Path file) {
        AtomicOutput.write(file, o -> {
            long[] pos = {0};
            Out out = new Out(o, pos);
            out.i32(0x46554747);
            out.i32(3);
            out.i64(tensors.size());
            out.i64(metadata.size());
            for (var e : metadata.entrySet()) {
                out.str(e.getKey());
                value(out, e.getKey(), e.getValue());
            }
            long offset = 0;
            for (PendingTensor t : tensors) {
                out.str(t.name());
                out.i32(t.dims().length);
                for (long d : t.dims()) out.i64(d);
                out.i32(t.type());
                out.i64(offset);
                offset = align(offset + t.data().length);
            }
            out.pad(align(pos[0]) - pos[0]);
            for (PendingTensor t : tensors) {
                out.bytes(t.data());
                out.pad(align(t.data().length) - t.data().length);
            }
        });
    }

    private static long align(long x) {
        return (x + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void value(Out out, String key, Object v) throws IOException {
        switch (v) {
            case String s -> { out.i32(8); out.str(s); }
            case Integer i -> { out.i32(4); out.i32(i); }
            case Long l -> { out.i32(10); out.i64(l); }
            case Float f -> { out.i32(6); out.i32(Float.floatToIntBits(f)); }
            case Double d -> { out.i32(12); out.i64(Double.doubleToLongBits(d)); }
            case Boolean b -> { out.i32(7); out.bytes(new byte[]{(byte) (b ? 1 : 0)}); }
            case String[] a -> {
                out.i32(9); out.i32(8); out.i64(a.length);
                for (String s : a) out.str(s);
            }
            case float[] a -> {
                out.i32(9); out.i32(6); out.i64(a.length);
                for (float f : a) out.i32(Float.floatToIntBits(f));
            }
            case int[] a -> {
                out.i32(9); out.i32(5); out.i64(a.length);
                for (int i : a) out.i32(i);
            }
            default -> throw new IllegalArgumentException("metadata " + key + ": unsupported value type " + v.getClass());
        }
    }

    private record Out(OutputStream o, long[] pos) {
        void i32(int v) throws IOException {
            bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        void i64(long v) throws IOException {
            bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void bytes(byte[] b) throws IOException {
            o.write(b);
            pos[0] += b.length;
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) o.write(0);
            pos[0] += n;
        }
    }
}
