package superweight.model.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failure in any chunk of a range run on several threads reaches the caller as itself (errors and unchecked
 * exceptions) or wrapped once (a checked exception thrown past the compiler).
 */
class ParallelFailuresTest {
    private int before;

    @BeforeEach
    void twoThreads() {
        before = Parallel.threads();
        Parallel.useThreads(2);
    }

    @AfterEach
    void restore() {
        Parallel.useThreads(before);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    @Test
    void errorsAndCheckedExceptionsReachTheCaller() {
        Error error = new Error("chunk error");
        assertThatThrownBy(() -> Parallel.forRange(1000, 1, (from, to) -> {
            if (to == 1000) throw error;
        })).isSameAs(error);
        IOException checked = new IOException("chunk io");
        assertThatThrownBy(() -> Parallel.forRange(1000, 1, (from, to) -> {
            if (to == 1000) sneakyThrow(checked);
        })).isInstanceOf(IllegalStateException.class).hasCause(checked);
    }
}
