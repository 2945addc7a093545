package superweight.model.format;

import superweight.model.tensor.GgmlType;
import superweight.model.tensor.StoredTensor;
import superweight.model.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;
import superweight.io.JsonFiles;
import superweight.io.PathRoot;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A Hugging Face checkpoint: one .safetensors file or a directory with one or more shards. */
public final class SafetensorsCheckpoint implements Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;
    private static final int MAX_RANK = 8;

    private record Entry(String name, String dtype, long[] shape, MemorySegment data, Path file) {
    }

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long dataBytes;

    private SafetensorsCheckpoint(Path path) {
        this.path = path;
    }

    public static SafetensorsCheckpoint open(Path path) {
        SafetensorsCheckpoint c = new SafetensorsCheckpoint(path);
        try {
            if (Files.isDirectory(path)) {
                Path index = path.resolve("model.safetensors.index.json");
                if (Files.exists(index)) {
                    Set<String> shards = new LinkedHashSet<>();
                    JsonNode map = readJson(index).get("weight_map");
                    if (map == null || !map.isObject()) throw new SuperweightException(index + ": no weight_map object");
                    map.properties().forEach(e -> {
                        if (!e.getValue().isTextual()) throw new SuperweightException(index + ": weight_map value of " + e.getKey() + " is not a file name");
                        shards.add(e.getValue().asText());
                    });
                    PathRoot root = PathRoot.forModelFolder(path);
                    for (String shard : shards) c.addFile(root.resolve(shard, index, "weight_map"));
                    for (Iterator<Map.Entry<String, JsonNode>> it = map.properties().iterator(); it.hasNext(); ) {
                        var e = it.next();
                        if (!c.entries.containsKey(e.getKey())) {
                            throw new SuperweightException(index + ": tensor " + e.getKey() + " is not in " + e.getValue().asText());
                        }
                    }
                } else {
                    c.addFile(path.resolve("model.safetensors"));
                }
            } else {
                c.addFile(path);
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** config.json or the shard index: at most 64 MiB (real ones are a few kB; an index of 10^5 tensors is ~10 MB). */
    public static JsonNode readJson(Path file) {
        return JsonFiles.read(file, 64L << 20);
    }

    private void addFile(Path file) {
        if (!Files.isRegularFile(file)) throw new SuperweightException(file + ": missing safetensors file");
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (seg.byteSize() < 8) throw new SuperweightException(file + ": truncated (" + seg.byteSize() + " bytes, no header)");
        long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n <= 0 || n > MAX_HEADER || 8 + n > seg.byteSize()) {
            throw new SuperweightException(file + ": header claims " + n + " bytes but the file has " + seg.byteSize()
                    + " (truncated or not safetensors)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SuperweightException(file + ": header is not valid JSON", e);
        }
        if (header == null || !header.isObject()) throw new SuperweightException(file + ": header is not a JSON object");
        long base = 8 + n;
        long available = seg.byteSize() - base;
        List<long[]> ranges = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (var it = header.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) continue;
            Entry entry = entry(file, name, e.getValue(), seg, base, available);
            if (entries.containsKey(name)) throw new SuperweightException(file + ": tensor " + name + " appears in two shards");
            entries.put(name, entry);
            ranges.add(new long[]{entry.data().address() - seg.address(), entry.data().address() - seg.address() + entry.data().byteSize(), names.size()});
            names.add(name);
            dataBytes += entry.data().byteSize();
        }
        checkNoOverlap(file, ranges, names);
    }

    /** One header entry, every number checked (integral, in range, overflow-safe) against the data section. */
    private static Entry entry(Path file, String name, JsonNode t, MemorySegment seg, long base, long available) {
        String dtype = t.path("dtype").asText();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new SuperweightException(file + ": tensor " + name + " has unsupported dtype " + dtype
                    + " (supported: F32, F16, BF16)");
        };
        JsonNode shapeNode = t.path("shape");
        if (!shapeNode.isArray() || shapeNode.size() > MAX_RANK) {
            throw new SuperweightException(file + ": tensor " + name + " has no shape array of at most " + MAX_RANK + " dimensions");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = integral(file, name, "shape", shapeNode.get(i));
            elements = multiply(file, name, elements, shape[i]);
        }
        if (shape.length > 0 && shape[shape.length - 1] > Integer.MAX_VALUE) {
            throw new SuperweightException(file + ": tensor " + name + " has rows of " + shape[shape.length - 1] + " values (more than an int)");
        }
        JsonNode off = t.path("data_offsets");
        if (!off.isArray() || off.size() != 2) throw new SuperweightException(file + ": tensor " + name + " has no data_offsets");
        long begin = integral(file, name, "data_offsets", off.get(0)), end = integral(file, name, "data_offsets", off.get(1));
        if (end < begin || end > available) {
            throw new SuperweightException(file + ": tensor " + name + " claims bytes " + begin + ".." + end
                    + " but the data section has " + available + " (truncated?)");
        }
        long expected = multiply(file, name, elements, width);
        if (end - begin != expected) {
            throw new SuperweightException(file + ": tensor " + name + " has " + (end - begin) + " bytes for shape "
                    + Checkpoint.describeShape(shape) + " of " + dtype + " (expected " + expected + ")");
        }
        return new Entry(name, dtype, shape, seg.asSlice(base + begin, end - begin), file);
    }

    private static long integral(Path file, String name, String field, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new SuperweightException(file + ": tensor " + name + " has " + field + " value " + v + ", not a non-negative integer");
        }
        return v.asLong();
    }

    private static long multiply(Path file, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new SuperweightException(file + ": tensor " + name + " has a shape whose size overflows 64 bits");
        }
    }

    /** Two tensors sharing bytes would let a weight edit of one show up in the other. */
    private static void checkNoOverlap(Path file, List<long[]> ranges, List<String> names) {
        ranges.sort(java.util.Comparator.comparingLong(r -> r[0]));
        for (int k = 1; k < ranges.size(); k++) {
            long[] prev = ranges.get(k - 1), cur = ranges.get(k);
            if (cur[0] < prev[1] && cur[1] > cur[0]) {
                throw new SuperweightException(file + ": tensors " + names.get((int) prev[2]) + " and " + names.get((int) cur[2])
                        + " overlap (data bytes " + (cur[0]) + ".." + prev[1] + " of the file)");
            }
        }
    }

    @Override
    public Format format() {
        return Format.HUGGING_FACE;
    }

    @Override
    public Path path() {
        return path;
    }

    /** The directory holding config.json and tokenizer files. */
    public Path directory() {
        return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
    }

    @Override
    public Set<String> tensorNames() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    @Override
    public synchronized Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t != null) return t;
        Entry e = entries.get(name);
        if (e == null) throw new SuperweightException(path + ": missing tensor " + name);
        long[] s = e.shape();
        int cols = s.length == 0 ? 1 : (int) s[s.length - 1];
        long rows = 1;
        for (int i = 0; i < s.length - 1; i++) rows *= s[i];
        int type = switch (e.dtype()) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            default -> GgmlType.BF16;
        };
        t = StoredTensor.of(type, name, rows, cols, e.data());
        tensors.put(name, t);
        return t;
    }

    @Override
    public long[] shape(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new SuperweightException(path + ": missing tensor " + name);
        return e.shape().clone();
    }

    @Override
    public synchronized Set<String> openedTensorNames() {
        return Set.copyOf(tensors.keySet());
    }

    @Override
    public long dataBytes() {
        return dataBytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
