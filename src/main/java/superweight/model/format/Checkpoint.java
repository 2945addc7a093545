package superweight.model.format;

import superweight.model.tensor.Tensor;

import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Named tensors and metadata of one checkpoint on disk, memory-mapped. One implementation per format; each
 * validates sizes and offsets against the file before it exposes a tensor.
 */
public interface Checkpoint extends AutoCloseable {
    /** SYNTHETIC: tensors generated in memory (synth), not read from a file. */
    enum Format { HUGGING_FACE, GGUF, LLAMA2C, SYNTHETIC }

    Format format();

    /** The path the user gave (file or directory). */
    Path path();

    Set<String> tensorNames();

    /** The tensor, or a one-line error naming the checkpoint and the missing tensor. */
    Tensor tensor(String name);

    default boolean has(String name) {
        return tensorNames().contains(name);
    }

    /** The original shape of a tensor, outermost axis first (as the format stores it). */
    long[] shape(String name);

    /** Names of the tensors opened so far through {@link #tensor} (what a loaded model uses). */
    Set<String> openedTensorNames();

    /** Total size in bytes of all tensor data. */
    long dataBytes();

    @Override
    void close();

    /** Opens a Hugging Face directory or .safetensors file, a .gguf file, or a llama2.c .bin file. */
    static Checkpoint open(Path path) {
        if (!Files.exists(path)) throw new SuperweightException(path + ": no such file or directory");
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("model.safetensors.index.json")) || Files.exists(path.resolve("model.safetensors"))) {
                return SafetensorsCheckpoint.open(path);
            }
            try (var list = Files.list(path)) {
                var ggufs = list.filter(p -> p.getFileName().toString().endsWith(".gguf")).toList();
                if (ggufs.size() == 1) return GgufCheckpoint.open(ggufs.get(0), path);
            } catch (java.io.IOException e) {
                throw new SuperweightException(path + ": cannot list directory (" + e.getMessage() + ")", e);
            }
            throw new SuperweightException(path + ": no weights found (looked for model.safetensors, "
                    + "model.safetensors.index.json or a single .gguf file)");
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".safetensors")) return SafetensorsCheckpoint.open(path);
        if (name.endsWith(".gguf")) return GgufCheckpoint.open(path, path);
        if (name.endsWith(".bin")) return Llama2cCheckpoint.open(path);
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(path)) {
            if (in.read(magic) == 4 && new String(magic, java.nio.charset.StandardCharsets.ISO_8859_1).equals("GGUF")) {
                return GgufCheckpoint.open(path, path);
            }
        } catch (java.io.IOException e) {
            throw new SuperweightException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        throw new SuperweightException(path + ": unknown checkpoint format (expected a directory, .safetensors, .gguf or llama2.c .bin)");
    }

    /** Metadata helper shared by formats. */
    static String describeShape(long[] shape) {
        return java.util.Arrays.toString(shape);
    }
}
