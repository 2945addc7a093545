package superweight.model.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import superweight.SuperweightException;
import superweight.io.AtomicOutput;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes safetensors streaming: per file an 8-byte little-endian header length, the JSON header (dtype, shape,
 * data_offsets relative to the data section; padded with spaces to a multiple of 8 so the data stays aligned,
 * as the reference implementation does), then each tensor's bytes as its callback produces them. A directory
 * is written as one {@code model.safetensors} or, above {@code maxShardBytes}, as
 * {@code model-0000i-of-0000n.safetensors} shards plus {@code model.safetensors.index.json} (written last, so a
 * reader never sees an index naming a missing shard). Every file goes through {@link AtomicOutput}; if a shard
 * fails, the shards already written by this call are removed.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record PendingTensor(String name, String dtype, long[] shape, long bytes, GgufWriter.Data data) {
    }

    private final List<PendingTensor> tensors = new ArrayList<>();
    private final ObjectNode metadata = JSON.createObjectNode().put("format", "pt");

    /** A string entry of the header's {@code __metadata__} (safetensors allows only string values). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor of dtype F32, F16 or BF16, shape outermost axis first, whose bytes {@code data} will write. */
    public SafetensorsWriter tensor(String name, String dtype, long[] shape, GgufWriter.Data data) {
        long elements = 1;
        for (long d : shape) elements *= d;
        tensors.add(new PendingTensor(name, dtype, shape.clone(), elements * FloatEncoding.width(dtype), data));
        return this;
    }

    /** Writes all tensors into one file. */
    public void writeFile(Path file) {
        writeShard(file, tensors);
    }

    /**
     * Writes the tensors into {@code dir}, sharded when they exceed {@code maxShardBytes} (tensors are never
     * split; a tensor larger than the limit gets a shard of its own). Returns the files written.
     */
    public List<Path> writeDirectory(Path dir, long maxShardBytes) {
        List<List<PendingTensor>> shards = new ArrayList<>();
        long size = 0, total = 0;
        for (PendingTensor t : tensors) {
            if (shards.isEmpty() || (size + t.bytes() > maxShardBytes && size > 0)) {
                shards.add(new ArrayList<>());
                size = 0;
            }
            shards.getLast().add(t);
            size += t.bytes();
            total += t.bytes();
        }
        if (shards.isEmpty()) shards.add(List.of());
        if (shards.size() == 1) {
            Path file = writeShard(dir.resolve("model.safetensors"), shards.getFirst());
            // an index left by an earlier sharded write would take precedence over the new file for every reader
            try {
                Files.deleteIfExists(dir.resolve("model.safetensors.index.json"));
            } catch (IOException e) {
                throw new SuperweightException(dir + ": cannot remove the stale model.safetensors.index.json (" + e.getMessage() + ")", e);
            }
            return List.of(file);
        }
        List<Path> written = new ArrayList<>();
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        try {
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                written.add(writeShard(dir.resolve(name), shards.get(i)));
                for (PendingTensor t : shards.get(i)) map.put(t.name(), name);
            }
            written.add(AtomicOutput.writeString(dir.resolve("model.safetensors.index.json"), index.toPrettyString()));
            return written;
        } catch (RuntimeException e) {
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the original error is what the user needs to see
                }
            }
            throw e;
        }
    }

    private Path writeShard(Path file, List<PendingTensor> shard) {
        ObjectNode header = JSON.createObjectNode();
        header.set("__metadata__", metadata);
        long offset = 0;
        for (PendingTensor t : shard) {
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", t.dtype());
            var shape = n.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            n.putArray("data_offsets").add(offset).add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        return AtomicOutput.write(file, out -> {
            byte[] len = new byte[8];
            for (int i = 0; i < 8; i++) len[i] = (byte) ((long) padded >>> (8 * i));
            out.write(len);
            out.write(json);
            for (int i = json.length; i < padded; i++) out.write(' ');
            for (PendingTensor t : shard) {
                CountingStream c = new CountingStream(out);
                t.data().writeTo(c);
                if (c.count != t.bytes()) {
                    throw new IOException("tensor " + t.name() + ": wrote " + c.count + " bytes, expected " + t.bytes());
                }
            }
        });
    }

    /** Copies {@code name} from {@code from} into {@code to} if it exists there (tokenizer files). */
    public static boolean copyIfPresent(Path from, Path to, String name) {
        Path src = from.resolve(name);
        if (!Files.isRegularFile(src)) return false;
        AtomicOutput.write(to.resolve(name), out -> Files.copy(src, out));
        return true;
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream o;
        long count;

        CountingStream(OutputStream o) {
            this.o = o;
        }

        @Override
        public void write(int b) throws IOException {
            o.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            o.write(b, off, len);
            count += len;
        }
    }
}
