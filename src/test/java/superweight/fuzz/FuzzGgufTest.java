package superweight.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import superweight.Fixtures;
import superweight.model.ModelLoader;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * GGUF (header, metadata, tensor directory, model config, tokenizer metadata) under coverage-guided fuzzing:
 * any input must load or be refused with a one-line SuperweightException; never another exception, a hang or
 * an allocation sized by the input. Seeds: a tiny complete model, each fixture's header, and vocabularies cut
 * to their first kilobytes.
 */
class FuzzGgufTest {
    private static final Path SCRATCH = FuzzSeeds.scratch("gguf");

    @BeforeAll
    static void seeds() throws Exception {
        Path corpus = FuzzSeeds.corpus(FuzzGgufTest.class, "gguf");
        FuzzSeeds.write(corpus, "tiny-llama", TinyCheckpoints.gguf(SCRATCH));
        for (String arch : new String[]{"llama", "qwen2", "phi3", "gemma", "gpt_neox"}) {
            byte[] all = Files.readAllBytes(Fixtures.arch(arch).resolve("model-f32.gguf"));
            FuzzSeeds.write(corpus, arch + "-header", Arrays.copyOf(all, Math.min(all.length, 8192)));
        }
        for (String vocab : new String[]{"llama-spm", "gpt-2", "bert-bge"}) {
            byte[] all = Files.readAllBytes(Fixtures.shared().resolve("vocab/ggml-vocab-" + vocab + ".gguf"));
            FuzzSeeds.write(corpus, vocab + "-start", Arrays.copyOf(all, 16384));
        }
    }

    @FuzzTest(maxDuration = "5s")
    void gguf(byte[] data) {
        Path file = FuzzSeeds.put(SCRATCH.resolve("input.gguf"), data);
        FuzzSeeds.refusalOnly(() -> ModelLoader.load(file).checkpoint().close());
        FuzzSeeds.refusalOnly(() -> Tokenizers.load(file).encode("Hello world 123", true, false));
    }
}
