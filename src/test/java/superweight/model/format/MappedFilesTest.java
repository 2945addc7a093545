package superweight.model.format;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every reader unmaps its file when closed, and when it refuses the file after mapping it: a long-running command
 * opening many models (or many broken ones) must not accumulate mappings. Linux lists a process's mapped files in
 * /proc/self/maps, which is what is checked (the test is skipped where that file does not exist).
 */
class MappedFilesTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs /proc/self/maps");
    }

    private static boolean mapped(Path file) throws IOException {
        String name = file.toAbsolutePath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(" " + name));
    }

    private void mappedWhileOpen(Path source, String name, Function<Path, Checkpoint> open) throws IOException {
        Path p = tmp.resolve(name);
        Files.copy(source, p);
        Checkpoint ck = open.apply(p);
        assertThat(mapped(p)).as("%s mapped while open", name).isTrue();
        ck.close();
        assertThat(mapped(p)).as("%s unmapped after close", name).isFalse();
    }

    private void unmappedAfterRefusal(Path source, String name, Function<Path, Checkpoint> open) throws IOException {
        Path p = tmp.resolve("cut-" + name);
        byte[] b = Files.readAllBytes(source);
        Files.write(p, Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> open.apply(p)).isInstanceOf(superweight.SuperweightException.class);
        assertThat(mapped(p)).as("%s unmapped after the refusal", name).isFalse();
    }

    @Test
    void everyReaderUnmapsOnCloseAndOnRefusal() throws IOException {
        Path llama = Fixtures.arch("llama");
        Path llama2c = Fixtures.shared().resolve("models/llama2c-260k/model.bin");
        mappedWhileOpen(llama.resolve("model-f32.gguf"), "m.gguf", p -> GgufCheckpoint.open(p, p));
        unmappedAfterRefusal(llama.resolve("model-f32.gguf"), "m.gguf", p -> GgufCheckpoint.open(p, p));
        mappedWhileOpen(llama.resolve("model.safetensors"), "m.safetensors", SafetensorsCheckpoint::open);
        unmappedAfterRefusal(llama.resolve("model.safetensors"), "m.safetensors", SafetensorsCheckpoint::open);
        mappedWhileOpen(llama2c, "m.bin", Llama2cCheckpoint::open);
        unmappedAfterRefusal(llama2c, "m.bin", Llama2cCheckpoint::open);
        Path onnx = tmp.resolve("source.onnx");
        Files.write(onnx, TestOnnx.model(OnnxCheckpointTest.linearNodes("MatMul"), OnnxCheckpointTest.linearInitializers()));
        mappedWhileOpen(onnx, "m.onnx", OnnxCheckpoint::open);
        unmappedAfterRefusal(onnx, "m.onnx", OnnxCheckpoint::open);
    }
}
