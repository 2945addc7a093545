package superweight.tokenizer;

import superweight.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The shared tokenizer test vectors: every vocabulary-only GGUF with its .inp strings and expected .out ids. */
final class VocabCases {
    record Case(String vocab, int index, String text, int[] expected) {
        @Override
        public String toString() {
            return vocab + "#" + index;
        }
    }

    private VocabCases() {
    }

    static Path dir() {
        return Fixtures.shared().resolve("vocab");
    }

    /** Names (without "ggml-vocab-" and ".gguf") of every vocabulary that has an .inp/.out pair. */
    static List<String> names() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("ggml-vocab-") && n.endsWith(".gguf"))
                    .filter(n -> Files.exists(dir().resolve(n + ".inp")) && Files.exists(dir().resolve(n + ".out")))
                    .map(n -> n.substring("ggml-vocab-".length(), n.length() - ".gguf".length()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path gguf(String name) {
        return dir().resolve("ggml-vocab-" + name + ".gguf");
    }

    static List<Case> cases(String name) {
        try {
            List<String> texts = TestVectors.parseInputs(Files.readString(dir().resolve("ggml-vocab-" + name + ".gguf.inp"),
                    StandardCharsets.UTF_8));
            List<String> lines = Files.readAllLines(dir().resolve("ggml-vocab-" + name + ".gguf.out"), StandardCharsets.UTF_8);
            if (lines.size() != texts.size()) {
                throw new AssertionError(name + ": " + texts.size() + " strings but " + lines.size() + " expected lines");
            }
            List<Case> out = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                String l = lines.get(i).trim();
                int[] ids = l.isEmpty() ? new int[0] : Arrays.stream(l.split(" ")).mapToInt(Integer::parseInt).toArray();
                out.add(new Case(name, i, texts.get(i), ids));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
