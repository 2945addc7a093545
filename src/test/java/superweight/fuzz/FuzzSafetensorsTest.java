package superweight.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;
import superweight.Fixtures;
import superweight.model.ModelLoader;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Hugging Face model folder under fuzzing: the input is [config length: 2 bytes][config.json][model.safetensors]. Seeds: the tiny model in F32 and BF16 with its config, and every decoder fixture's
 * config.json over the tiny weights (which then fail the shape check, after the whole config is parsed).
 */
class FuzzSafetensorsTest {
    private static final Path DIR = FuzzSeeds.scratch("safetensors");

    @BeforeAll
    static void seeds() throws Exception {
        Path corpus = FuzzSeeds.corpus(FuzzSafetensorsTest.class, "huggingFaceFolder");
        byte[] f32 = TinyCheckpoints.safetensors(DIR, "F32");
        FuzzSeeds.write(corpus, "tiny-f32", seed(TinyCheckpoints.config(), f32));
        FuzzSeeds.write(corpus, "tiny-bf16", seed(TinyCheckpoints.config(), TinyCheckpoints.safetensors(DIR, "BF16")));
        for (String arch : new String[]{"llama", "mistral", "qwen2", "phi3", "olmo", "olmo2", "gemma", "gpt_neox"}) {
            FuzzSeeds.write(corpus, arch + "-config", seed(Files.readString(Fixtures.arch(arch).resolve("config.json")), f32));
        }
    }

    private static byte[] seed(String config, byte[] weights) {
        byte[] c = config.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(c.length >> 8);
        out.write(c.length);
        out.writeBytes(c);
        out.writeBytes(weights);
        return out.toByteArray();
    }

    @FuzzTest(maxDuration = "5s")
    void huggingFaceFolder(byte[] data) {
        int n = data.length < 2 ? 0 : Math.min(data.length - 2, ((data[0] & 0xFF) << 8) | (data[1] & 0xFF));
        int from = Math.min(2, data.length);
        FuzzSeeds.put(DIR.resolve("config.json"), Arrays.copyOfRange(data, from, from + n));
        FuzzSeeds.put(DIR.resolve("model.safetensors"), Arrays.copyOfRange(data, from + n, data.length));
        FuzzSeeds.refusalOnly(() -> ModelLoader.load(DIR).checkpoint().close());
    }
}
