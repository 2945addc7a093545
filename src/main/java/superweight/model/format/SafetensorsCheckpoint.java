package superweight.model.format;

import superweight.model.tensor.GgmlType;
import superweight.model.tensor.StoredTensor;
import superweight.model.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;
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
                    map.properties().forEach(e -> shards.add(e.getValue().asText()));
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

    public static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot read JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
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
        long base = 8 + n;
        long available = seg.byteSize() - base;
        for (var it = header.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText();
            List<Long> shapeList = new ArrayList<>();
            t.path("shape").forEach(d -> shapeList.add(d.asLong()));
            long[] shape = shapeList.stream().mapToLong(Long::longValue).toArray();
            JsonNode off = t.path("data_offsets");
            if (off.size() != 2) throw new SuperweightException(file + ": tensor " + name + " has no data_offsets");
            long begin = off.get(0).asLong(), end = off.get(1).asLong();
            int width = switch (dtype) {
                case "F32" -> 4;
                case "F16", "BF16" -> 2;
                default -> throw new SuperweightException(file + ": tensor " + name + " has unsupported dtype " + dtype
                        + " (supported: F32, F16, BF16)");
            };
            long elements = 1;
            for (long d : shape) {
                if (d < 0) throw new SuperweightException(file + ": tensor " + name + " has a negative dimension");
                elements *= d;
            }
            if (begin < 0 || end < begin || end > available) {
                throw new SuperweightException(file + ": tensor " + name + " claims bytes " + begin + ".." + end
                        + " but the data section has " + available + " (truncated?)");
            }
            if (end - begin != elements * width) {
                throw new SuperweightException(file + ": tensor " + name + " has " + (end - begin) + " bytes for shape "
                        + Checkpoint.describeShape(shape) + " of " + dtype + " (expected " + elements * width + ")");
            }
            if (entries.containsKey(name)) throw new SuperweightException(file + ": tensor " + name + " appears in two shards");
            entries.put(name, new Entry(name, dtype, shape, seg.asSlice(base + begin, end - begin), file));
            dataBytes += end - begin;
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
