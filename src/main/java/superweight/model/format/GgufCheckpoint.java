package superweight.model.format;

import superweight.model.tensor.GgmlType;
import superweight.model.tensor.StoredTensor;
import superweight.model.tensor.Tensor;

import superweight.SuperweightException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** A GGUF file as a checkpoint: tensors keyed by their GGUF names, rows = ne1*ne2*..., cols = ne0. */
public final class GgufCheckpoint implements Checkpoint {
    private final Path path;
    private final GgufFile gguf;
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final long dataBytes;

    private GgufCheckpoint(Path path, GgufFile gguf) {
        this.path = path;
        this.gguf = gguf;
        long bytes = 0;
        for (var t : gguf.tensors().values()) bytes += gguf.data(t).byteSize();
        this.dataBytes = bytes;
    }

    public static GgufCheckpoint open(Path file, Path shownAs) {
        return new GgufCheckpoint(shownAs, GgufFile.open(file));
    }

    public GgufFile gguf() {
        return gguf;
    }

    @Override
    public Format format() {
        return Format.GGUF;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> tensorNames() {
        return gguf.tensors().keySet();
    }

    @Override
    public synchronized Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t != null) return t;
        GgufFile.TensorInfo info = gguf.tensors().get(name);
        if (info == null) throw new SuperweightException(gguf.path() + ": missing tensor " + name);
        if (!GgmlType.supported(info.ggmlType())) {
            throw new SuperweightException(gguf.path() + ": tensor " + name + " has unsupported type "
                    + GgmlType.name(info.ggmlType()) + " (supported: " + GgmlType.SUPPORTED + ")");
        }
        long[] d = info.dims();
        int block = GgmlType.blockSize(info.ggmlType());
        if (d[0] % block != 0) {
            throw new SuperweightException(gguf.path() + ": tensor " + name + " has rows of " + d[0] + " values, not a multiple of the "
                    + GgmlType.name(info.ggmlType()) + " block size " + block);
        }
        long rows = 1;
        for (int i = 1; i < d.length; i++) rows *= d[i];
        t = StoredTensor.of(info.ggmlType(), name, rows, (int) d[0], gguf.data(info));
        tensors.put(name, t);
        return t;
    }

    @Override
    public long[] shape(String name) {
        GgufFile.TensorInfo info = gguf.tensors().get(name);
        if (info == null) throw new SuperweightException(gguf.path() + ": missing tensor " + name);
        long[] d = info.dims();
        long[] s = new long[d.length];
        for (int i = 0; i < d.length; i++) s[i] = d[d.length - 1 - i];
        return s;
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
        gguf.close();
    }
}
