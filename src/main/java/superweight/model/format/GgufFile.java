package superweight.model.format;

import superweight.model.tensor.GgmlType;

import superweight.SuperweightException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF v2/v3 file, memory-mapped. The header (metadata and tensor directory) is parsed eagerly and every
 * offset is checked against the file size before any tensor is exposed; tensor data is never copied.
 *
 * <p>Metadata values are stored as: {@code Long} (all integer types), {@code Double} (floats), {@code Boolean},
 * {@code String}, and arrays as {@code long[]}, {@code double[]}, {@code float[]} (float32 arrays, e.g. token
 * scores), {@code boolean[]} or {@code String[]}.
 */
public final class GgufFile implements AutoCloseable {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    /** Caps far above real files (a 405B GGUF has about 1,100 tensors, vocabularies reach 256k tokens). */
    static final long MAX_TENSORS = 1 << 20, MAX_METADATA = 1 << 20, MAX_STRING = 16 << 20, MAX_ARRAY = 1 << 24,
            MAX_ALIGNMENT = 1 << 20;

    /** One entry of the tensor directory. dims are in ggml order: dims[0] (ne0) is the contiguous axis. */
    public record TensorInfo(String name, long[] dims, int ggmlType, long offset) {
        /** The element count (dims are checked at open so that this cannot overflow). */
        public long elements() {
            long n = 1;
            for (long d : dims) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;
    private long pos;

    private GgufFile(Path path) {
        this.path = path;
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            arena.close();
            throw new SuperweightException(path + ": cannot read GGUF file (" + e.getMessage() + ")", e);
        }
        try {
            if (file.byteSize() < 24 || file.get(I32, 0) != MAGIC) {
                throw fail("not a GGUF file (bad magic)");
            }
            version = file.get(I32, 4);
            if (version != 2 && version != 3) {
                throw fail("unsupported GGUF version " + version + " (2 and 3 are supported)");
            }
            pos = 8;
            long tensorCount = u64("tensor count");
            long kvCount = u64("metadata count");
            // Every metadata entry takes at least 12 bytes and every tensor entry 24: counts beyond that are lies.
            if (tensorCount < 0 || tensorCount > MAX_TENSORS || kvCount < 0 || kvCount > MAX_METADATA
                    || kvCount > file.byteSize() / 12 || tensorCount > file.byteSize() / 24) {
                throw fail("header claims " + tensorCount + " tensors and " + kvCount + " metadata entries, more than "
                        + file.byteSize() + " bytes can hold (truncated header?)");
            }
            Map<String, Object> md = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = string();
                int type = i32("metadata type of " + key);
                if (md.put(key, value(type, key)) != null) throw fail("metadata key " + key + " appears twice");
            }
            this.metadata = Collections.unmodifiableMap(md);
            Map<String, TensorInfo> ts = new LinkedHashMap<>();
            for (long i = 0; i < tensorCount; i++) {
                TensorInfo t = tensorInfo();
                if (ts.put(t.name(), t) != null) throw fail("tensor " + t.name() + " appears twice");
            }
            this.tensors = Collections.unmodifiableMap(ts);
            long alignment = metadata.get("general.alignment") instanceof Long a ? a : 32;
            if (alignment <= 0 || alignment > MAX_ALIGNMENT || (alignment & (alignment - 1)) != 0) {
                throw fail("bad general.alignment " + alignment);
            }
            this.dataStart = (pos + alignment - 1) / alignment * alignment;
            checkRanges();
        } catch (SuperweightException e) {
            arena.close();
            throw e;
        }
    }

    private TensorInfo tensorInfo() {
        String name = string();
        int nDims = i32("dimension count of " + name);
        if (nDims < 1 || nDims > 4) throw fail("tensor " + name + " has " + nDims + " dimensions");
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = u64("dimension of " + name);
            // ne0 is a row length (an int in the kernels); no tensor may hold more elements than the file has bytes x 2.
            long max = d == 0 ? Integer.MAX_VALUE : file.byteSize() * 2;
            if (dims[d] <= 0 || dims[d] > max) throw fail("tensor " + name + " has dimension " + dims[d] + " (outside 1.." + max + ")");
            elements = mulOrFail(elements, dims[d], name);
        }
        int type = i32("type of " + name);
        long offset = u64("offset of " + name);
        if (offset < 0) throw fail("tensor " + name + " has a negative offset " + offset);
        return new TensorInfo(name, dims, type, offset);
    }

    /** Every tensor's bytes inside the file, and no two tensors sharing a byte. */
    private void checkRanges() {
        long[][] ranges = new long[tensors.size()][];
        int i = 0;
        for (TensorInfo t : tensors.values()) {
            long size = GgmlType.byteSize(t.ggmlType(), t.elements(), t.name(), path);
            long begin = dataStart + t.offset();
            long end = begin + size; // no overflow: dataStart, offset and size are each below 2^62
            if (begin < 0 || end < begin || end > file.byteSize()) {
                throw fail("tensor " + t.name() + " claims bytes " + begin + ".." + end + " but the file has " + file.byteSize()
                        + " (truncated?)");
            }
            ranges[i] = new long[]{begin, end, i};
            i++;
        }
        java.util.Arrays.sort(ranges, java.util.Comparator.comparingLong(r -> r[0]));
        String[] names = tensors.keySet().toArray(String[]::new);
        for (int k = 1; k < ranges.length; k++) {
            if (ranges[k][0] < ranges[k - 1][1]) {
                throw fail("tensors " + names[(int) ranges[k - 1][2]] + " and " + names[(int) ranges[k][2]] + " overlap (bytes "
                        + ranges[k][0] + ".." + ranges[k - 1][1] + ")");
            }
        }
    }

    private long mulOrFail(long a, long b, String tensor) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw fail("tensor " + tensor + " has more elements than a 64-bit count holds");
        }
    }

    public static GgufFile open(Path path) {
        return new GgufFile(path);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The raw bytes of a tensor (already bounds-checked at open). */
    public MemorySegment data(TensorInfo t) {
        long size = GgmlType.byteSize(t.ggmlType(), t.elements(), t.name(), path);
        return file.asSlice(dataStart + t.offset(), size);
    }

    @Override
    public void close() {
        arena.close();
    }

    // ---- metadata accessors -------------------------------------------------------------------------------------

    public String getString(String key) {
        return metadata.get(key) instanceof String s ? s : null;
    }

    public Long getLong(String key) {
        return metadata.get(key) instanceof Long l ? l : null;
    }

    public Double getDouble(String key) {
        Object v = metadata.get(key);
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l.doubleValue();
        return null;
    }

    public Boolean getBoolean(String key) {
        return metadata.get(key) instanceof Boolean b ? b : null;
    }

    public String[] getStringArray(String key) {
        return metadata.get(key) instanceof String[] a ? a : null;
    }

    public float[] getFloatArray(String key) {
        Object v = metadata.get(key);
        if (v instanceof float[] f) return f;
        if (v instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        return null;
    }

    public int[] getIntArray(String key) {
        if (metadata.get(key) instanceof long[] l) {
            int[] r = new int[l.length];
            for (int i = 0; i < l.length; i++) r[i] = (int) l[i];
            return r;
        }
        return null;
    }

    // ---- parsing ------------------------------------------------------------------------------------------------

    private SuperweightException fail(String problem) {
        return new SuperweightException(path + ": " + problem);
    }

    private void need(long bytes, String what) {
        if (bytes < 0 || bytes > file.byteSize() - pos) {
            throw fail("truncated header while reading " + what + " at byte " + pos);
        }
    }

    private int i32(String what) {
        need(4, what);
        int v = file.get(I32, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) {
        need(8, what);
        long v = file.get(I64, pos);
        pos += 8;
        return v;
    }

    private String string() {
        long len = u64("string length");
        if (len < 0 || len > MAX_STRING) throw fail("string length " + len + " at byte " + (pos - 8) + " (cap " + MAX_STRING + ")");
        need(len, "string");
        byte[] b = file.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object value(int type, String key) {
        return switch (type) {
            case 0 -> { need(1, key); yield (long) (file.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF); }
            case 1 -> { need(1, key); yield (long) file.get(ValueLayout.JAVA_BYTE, pos++); }
            case 2 -> { need(2, key); long v = file.get(I16, pos) & 0xFFFF; pos += 2; yield v; }
            case 3 -> { need(2, key); long v = file.get(I16, pos); pos += 2; yield v; }
            case 4 -> (long) i32(key) & 0xFFFFFFFFL;
            case 5 -> (long) i32(key);
            case 6 -> { need(4, key); double v = file.get(F32, pos); pos += 4; yield v; }
            case 7 -> { need(1, key); yield file.get(ValueLayout.JAVA_BYTE, pos++) != 0; }
            case 8 -> string();
            case 9 -> array(key);
            case 10, 11 -> u64(key);
            case 12 -> { need(8, key); double v = file.get(F64, pos); pos += 8; yield v; }
            default -> throw fail("metadata " + key + " has unknown value type " + type);
        };
    }

    private Object array(String key) {
        int type = i32("array type of " + key);
        long n = u64("array length of " + key);
        // Each element takes at least one byte (a string eight): a longer array cannot fit in the rest of the file.
        long minBytes = switch (type) { case 8, 10, 11, 12 -> 8; case 4, 5, 6 -> 4; case 2, 3 -> 2; default -> 1; };
        if (n < 0 || n > MAX_ARRAY || n > (file.byteSize() - pos) / minBytes) {
            throw fail("metadata array " + key + " claims " + n + " elements (cap " + MAX_ARRAY + ", and the file's remaining bytes)");
        }
        int count = (int) n;
        switch (type) {
            case 8 -> {
                String[] a = new String[count];
                for (int i = 0; i < count; i++) a[i] = string();
                return a;
            }
            case 6 -> {
                need(4L * count, key);
                float[] a = new float[count];
                MemorySegment.copy(file, F32, pos, a, 0, count);
                pos += 4L * count;
                return a;
            }
            case 12 -> {
                double[] a = new double[count];
                for (int i = 0; i < count; i++) a[i] = (Double) value(12, key);
                return a;
            }
            case 7 -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) a[i] = (Boolean) value(7, key);
                return a;
            }
            case 0, 1, 2, 3, 4, 5, 10, 11 -> {
                long[] a = new long[count];
                for (int i = 0; i < count; i++) a[i] = (Long) value(type, key);
                return a;
            }
            default -> throw fail("metadata array " + key + " has unsupported element type " + type);
        }
    }
}
