package superweight.model.format;

import superweight.SuperweightException;
import superweight.model.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Tensors generated in memory (synth models, the demo model) as a checkpoint: names and shapes for the fingerprint
 * and the parameter count, nothing on disk or mapped.
 *
 * @param path    a name for messages (no file exists there)
 * @param tensors the tensors by checkpoint name, in the order they are listed
 */
public record InMemoryCheckpoint(Path path, Map<String, Tensor> tensors) implements Checkpoint {
    @Override
    public Format format() {
        return Format.SYNTHETIC;
    }

    @Override
    public Set<String> tensorNames() {
        return tensors.keySet();
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new SuperweightException(path + ": no tensor " + name);
        return t;
    }

    @Override
    public long[] shape(String name) {
        Tensor t = tensor(name);
        return new long[]{t.rows(), t.cols()};
    }

    @Override
    public Set<String> openedTensorNames() {
        return new LinkedHashSet<>(tensors.keySet());
    }

    /** As if stored in float32. */
    @Override
    public long dataBytes() {
        long n = 0;
        for (Tensor t : tensors.values()) n += 4 * t.elements();
        return n;
    }

    @Override
    public void close() {
        // nothing is mapped
    }
}
