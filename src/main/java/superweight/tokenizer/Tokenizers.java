package superweight.tokenizer;

import superweight.SuperweightException;
import superweight.model.format.GgufFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds and loads the tokenizer that belongs to a model: a Hugging Face directory (tokenizer.json, plus
 * tokenizer_config.json), a .safetensors or .onnx file (the tokenizer.json beside it), a tokenizer.json itself, or a GGUF
 * file (full model or vocabulary only).
 */
public final class Tokenizers {
    private Tokenizers() {
    }

    public static Tokenizer load(Path modelPath) {
        if (!Files.exists(modelPath)) throw new SuperweightException(modelPath + ": no such file or directory");
        String name = modelPath.getFileName() == null ? "" : modelPath.getFileName().toString();
        if (Files.isDirectory(modelPath)) {
            Path json = modelPath.resolve("tokenizer.json");
            if (Files.isRegularFile(json)) return HfTokenizers.load(json);
            List<Path> ggufs = ggufsIn(modelPath);
            if (ggufs.size() == 1) return loadGguf(ggufs.getFirst());
            throw new SuperweightException(modelPath + ": no tokenizer found (expected tokenizer.json"
                    + (ggufs.isEmpty() ? " or a .gguf file" : "; several .gguf files, name one") + ")");
        }
        if (name.endsWith(".gguf")) return loadGguf(modelPath);
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) {
            Path json = modelPath.toAbsolutePath().getParent().resolve("tokenizer.json");
            if (Files.isRegularFile(json)) return HfTokenizers.load(json);
            throw new SuperweightException(modelPath + ": no tokenizer.json beside this checkpoint");
        }
        if (name.endsWith(".json")) return HfTokenizers.load(modelPath);
        if (name.endsWith(".onnx")) {
            Path json = onnxTokenizer(modelPath);
            if (json != null) return HfTokenizers.load(json);
            throw new SuperweightException(modelPath + ": no tokenizer.json beside this ONNX file or one folder up");
        }
        if (name.endsWith(".bin")) {
            throw new SuperweightException(modelPath + ": a llama2.c .bin checkpoint carries no tokenizer;"
                    + " pass a tokenizer.json, a model directory or a .gguf vocabulary with --model");
        }
        throw new SuperweightException(modelPath + ": no tokenizer found (expected a model directory, tokenizer.json,"
                + " .safetensors or .gguf)");
    }

    /**
     * Whether the model comes with a tokenizer at all (tokenizer.json where {@link #load} looks for it, or a GGUF
     * with tokenizer metadata), so callers can run without one; a tokenizer that exists but is broken still fails
     * in {@link #load} with its own message.
     */
    public static boolean exists(Path modelPath) {
        String name = modelPath.getFileName() == null ? "" : modelPath.getFileName().toString();
        if (Files.isDirectory(modelPath)) {
            return Files.isRegularFile(modelPath.resolve("tokenizer.json")) || ggufVocabularyIn(modelPath).isPresent();
        }
        if (name.endsWith(".gguf")) return ggufHasTokenizer(modelPath);
        if (name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")) {
            return Files.isRegularFile(modelPath.toAbsolutePath().getParent().resolve("tokenizer.json"));
        }
        if (name.endsWith(".onnx")) return onnxTokenizer(modelPath) != null;
        return name.endsWith(".json") && Files.isRegularFile(modelPath);
    }

    /**
     * The GGUF vocabulary a model directory's tokenizer comes from when it has no tokenizer.json: its one .gguf
     * file, if that file has tokenizer metadata (as {@link #load} takes it); empty otherwise.
     */
    public static Optional<Path> ggufVocabularyIn(Path dir) {
        List<Path> ggufs = ggufsIn(dir);
        return ggufs.size() == 1 && ggufHasTokenizer(ggufs.getFirst()) ? Optional.of(ggufs.getFirst()) : Optional.empty();
    }

    /** tokenizer.json beside an ONNX export, or one folder up in the Hugging Face layout onnx/model.onnx; null if none. */
    private static Path onnxTokenizer(Path modelPath) {
        Path dir = modelPath.toAbsolutePath().getParent();
        for (Path d : dir.getParent() == null ? List.of(dir) : List.of(dir, dir.getParent())) {
            if (Files.isRegularFile(d.resolve("tokenizer.json"))) return d.resolve("tokenizer.json");
        }
        return null;
    }

    private static boolean ggufHasTokenizer(Path path) {
        try (GgufFile gguf = GgufFile.open(path)) {
            return gguf.metadata().containsKey("tokenizer.ggml.model");
        }
    }

    private static Tokenizer loadGguf(Path path) {
        try (GgufFile gguf = GgufFile.open(path)) {
            return GgufTokenizers.load(gguf);
        }
    }

    private static List<Path> ggufsIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new SuperweightException(dir + ": cannot list directory (" + e.getMessage() + ")", e);
        }
    }
}
