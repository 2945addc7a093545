package superweight.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line with a Hub id, in a child JVM whose environment names the local fake Hub (HF_ENDPOINT) and a
 * temporary cache (HF_HUB_CACHE): the variables are read as huggingface_hub reads them, and HF_HUB_OFFLINE then
 * answers from the cache with the Hub gone.
 */
class HubCommandLineTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out) {
    }

    private Run info(Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", cp,
                "superweight.cli.Main", "info", "--model", "org/tiny", "--json"));
        pb.environment().keySet().removeIf(k -> k.startsWith("HF_"));
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("stderr.txt").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out + Files.readString(tmp.resolve("stderr.txt")));
    }

    @Test
    void infoOpensAModelByIdThenOfflineFromTheCache() throws Exception {
        Path planted = Fixtures.shared().resolve("fixtures/planted");
        Path cache = tmp.resolve("cache");
        try (FakeHub fake = new FakeHub("org/tiny")) {
            fake.files.put("config.json", Files.readAllBytes(planted.resolve("config.json")));
            fake.files.put("model.safetensors", Files.readAllBytes(planted.resolve("model.safetensors")));
            Run online = info(Map.of("HF_ENDPOINT", fake.endpoint().toString(), "HF_HUB_CACHE", cache.toString()));
            assertThat(online.code()).as(online.out()).isZero();
            assertThat(fake.requests("cdn", "GET")).hasSize(1);
            JsonNode j = new ObjectMapper().readTree(online.out().substring(online.out().indexOf('{')));
            assertThat(j.toString()).contains("models--org--tiny");
        }
        Run offline = info(Map.of("HF_ENDPOINT", "http://127.0.0.1:9", "HF_HUB_CACHE", cache.toString(), "HF_HUB_OFFLINE", "1"));
        assertThat(offline.code()).as(offline.out()).isZero();
        assertThat(offline.out()).contains("models--org--tiny");
    }
}
