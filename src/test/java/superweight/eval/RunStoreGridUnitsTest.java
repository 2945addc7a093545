package superweight.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The grid-unit table of the run store: which key a work unit filed its items under, kept across processes. */
class RunStoreGridUnitsTest {
    static final RunStore.Key A = new RunStore.Key("model-a", "prune-sw", "piqa", "add_bos=false;max_length=256");
    static final RunStore.Key B = new RunStore.Key("model-b", "baseline", "arc_easy", "add_bos=true;max_length=128");

    @Test
    void aUnitsKeyComesBackFieldByFieldAfterReopeningTheFile(@TempDir Path dir) {
        // a directory that does not exist yet: the store creates it
        Path file = dir.resolve("nested/deeper/runs.duckdb");
        try (RunStore s = RunStore.open(file)) {
            assertThat(s.unitKey("piqa/prune-sw")).isNull();
            s.putUnitKey("piqa/prune-sw", A);
            s.putUnitKey("arc_easy/baseline", B);
        }
        assertThat(Files.isRegularFile(file)).isTrue();
        try (RunStore s = RunStore.open(file)) {
            assertThat(s.unitKey("piqa/prune-sw")).isEqualTo(A);
            assertThat(s.unitKey("arc_easy/baseline")).isEqualTo(B);
            assertThat(s.unitKey("piqa")).isNull();
        }
    }

    @Test
    void aUnitRecordedAgainKeepsOnlyItsNewKey() {
        try (RunStore s = RunStore.inMemory()) {
            s.putUnitKey("u", A);
            s.putUnitKey("u", B);
            assertThat(s.unitKey("u")).isEqualTo(B);
        }
    }
}
