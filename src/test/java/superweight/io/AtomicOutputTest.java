package superweight.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicOutputTest {
    @TempDir
    Path tmp;

    @Test
    void writesAndReplacesWholeFiles() throws Exception {
        Path f = tmp.resolve("sub/results.json");
        AtomicOutput.writeString(f, "one");
        AtomicOutput.writeString(f, "two");
        assertThat(Files.readString(f)).isEqualTo("two");
        try (var s = Files.list(f.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("results.json");
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporary() throws Exception {
        Path f = tmp.resolve("model.gguf");
        AtomicOutput.writeString(f, "previous");
        assertThatThrownBy(() -> AtomicOutput.write(f, out -> {
            out.write(new byte[100_000]);
            throw new IOException("No space left on device");
        })).isInstanceOf(SuperweightException.class).hasMessage(f + ": cannot write (No space left on device)");
        assertThat(Files.readString(f)).isEqualTo("previous");
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("model.gguf");
        }
    }
}
