package superweight.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import superweight.Fixtures;
import superweight.model.ModelLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The llama2.c header and layout under fuzzing; seeds: the shared 260K checkpoint's header and first weights. */
class FuzzLlama2cTest {
    private static final Path SCRATCH = FuzzSeeds.scratch("llama2c");

    @BeforeAll
    static void seeds() throws Exception {
        byte[] all = Files.readAllBytes(Fixtures.shared().resolve("models/llama2c-260k/model.bin"));
        FuzzSeeds.write(FuzzSeeds.corpus(FuzzLlama2cTest.class, "llama2c"), "260k-start", Arrays.copyOf(all, 4096));
    }

    @FuzzTest(maxDuration = "5s")
    void llama2c(byte[] data) {
        Path file = FuzzSeeds.put(SCRATCH.resolve("model.bin"), data);
        FuzzSeeds.refusalOnly(() -> ModelLoader.load(file).checkpoint().close());
    }
}
