package superweight.model.format;

import superweight.io.AtomicOutput;
import superweight.model.tensor.GgmlType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files streaming: the header (typed metadata, tensor infos with offsets computed from each
 * tensor's declared type and shape) first, then every tensor's bytes as its {@link Data} callback produces them,
 * each padded to the 32-byte alignment (GGUF spec, {@code general.alignment} default). Nothing but the header
 * is held in memory, and the file appears only when complete ({@link AtomicOutput}).
 *
 * <p>Metadata values may be String (type 8), Byte (uint8, 0), Integer (uint32, 4), Long (uint64, 10), Float
 * (float32, 6), Double (float64, 12), Boolean (7), or arrays String[], float[], int[] (int32), long[] (int64), boolean[] —
 * the value types llama.cpp reads for the common keys.
 */
public final class GgufWriter {
    public static final int ALIGNMENT = 32;

    /** Produces a tensor's bytes, in ggml order (rows of dims[0] contiguous values), exactly its declared size. */
    @FunctionalInterface
    public interface Data {
        void writeTo(OutputStream out) throws IOException;
    }

    private record PendingTensor(String name, long[] dims, int type, long bytes, Data data) {
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();

    public GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor whose bytes {@code data} will write; dims in ggml order (dims[0] = contiguous axis = columns). */
    public GgufWriter tensor(String name, long[] dims, int ggmlType, Data data) {
        // ggml tensors have 1 to 4 dimensions; GgufFile refuses any other count, so the writer must not produce one
        if (dims.length < 1 || dims.length > 4) throw new IllegalArgumentException(name + ": " + dims.length + " dimensions (GGUF holds 1 to 4)");
        long elements = 1;
        for (long d : dims) elements *= d;
        if (dims[0] % GgmlType.blockSize(ggmlType) != 0) {
            throw new IllegalArgumentException(name + ": row length " + dims[0] + " is not a multiple of the "
                    + GgmlType.name(ggmlType) + " block size " + GgmlType.blockSize(ggmlType));
        }
        long bytes = GgmlType.byteSize(ggmlType, elements, name, Path.of("<writer>"));
        tensors.add(new PendingTensor(name, dims.clone(), ggmlType, bytes, data));
        return this;
    }

    /** Adds a tensor given as its encoded bytes. */
    public GgufWriter tensor(String name, long[] dims, int ggmlType, byte[] data) {
        tensor(name, dims, ggmlType, out -> out.write(data));
        long expected = tensors.getLast().bytes();
        if (expected != data.length) {
            tensors.removeLast();
            throw new IllegalArgumentException(name + ": " + data.length + " bytes, expected " + expected);
        }
        return this;
    }

    public void write(Path file) {
        AtomicOutput.write(file, o -> {
            Out out = new Out(o);
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
                offset = align(offset + t.bytes());
            }
            out.pad(align(out.position) - out.position);
            for (PendingTensor t : tensors) {
                long start = out.position;
                t.data().writeTo(out);
                long written = out.position - start;
                if (written != t.bytes()) {
                    throw new IOException("tensor " + t.name() + ": wrote " + written + " bytes, expected " + t.bytes());
                }
                out.pad(align(written) - written);
            }
        });
    }

    static long align(long x) {
        return (x + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void value(Out out, String key, Object v) throws IOException {
        switch (v) {
            case String s -> { out.i32(8); out.str(s); }
            case Byte b -> { out.i32(0); out.write(b); }
            case Integer i -> { out.i32(4); out.i32(i); }
            case Long l -> { out.i32(10); out.i64(l); }
            case Float f -> { out.i32(6); out.i32(Float.floatToIntBits(f)); }
            case Double d -> { out.i32(12); out.i64(Double.doubleToLongBits(d)); }
            case Boolean b -> { out.i32(7); out.write(b ? 1 : 0); }
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
            case boolean[] a -> {
                out.i32(9); out.i32(7); out.i64(a.length);
                for (boolean x : a) out.write(x ? 1 : 0);
            }
            case long[] a -> {
                out.i32(9); out.i32(11); out.i64(a.length);
                for (long l : a) out.i64(l);
            }
            default -> throw new IllegalArgumentException("metadata " + key + ": unsupported value type " + v.getClass());
        }
    }

    /** Little-endian primitives over the output, counting bytes so offsets and padding can be checked. */
    private static final class Out extends OutputStream {
        private final OutputStream o;
        private final byte[] scratch = new byte[8];
        long position;

        Out(OutputStream o) {
            this.o = o;
        }

        @Override
        public void write(int b) throws IOException {
            o.write(b);
            position++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            o.write(b, off, len);
            position += len;
        }

        void i32(int v) throws IOException {
            for (int i = 0; i < 4; i++) scratch[i] = (byte) (v >>> (8 * i));
            write(scratch, 0, 4);
        }

        void i64(long v) throws IOException {
            for (int i = 0; i < 8; i++) scratch[i] = (byte) (v >>> (8 * i));
            write(scratch, 0, 8);
        }

        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }

        void pad(long n) throws IOException {
            for (long i = 0; i < n; i++) write(0);
        }
    }
}
