package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** llama.cpp's llama-bench as a child process, for {@code bench --compare}: one repetition of pp and tg per call. */
final class LlamaBench {
    private LlamaBench() {
    }

    /** A path to an executable, or a name searched on the PATH. */
    static Path find(String binary) {
        if (binary.contains("/")) {
            Path p = Path.of(binary);
            if (Files.isExecutable(p)) return p;
            throw new SuperweightException("--compare: " + binary + " is not an executable file");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, binary);
            if (Files.isExecutable(p)) return p;
        }
        throw new SuperweightException("--compare: " + binary + " not found on the PATH");
    }

    /** tokens/s of {pp, tg}: {@code llama-bench -m model -t threads -p pp -n tg -r 1 -o json}. */
    static double[] run(Path binary, Path model, int threads, int pp, int tg) {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-m", model.toString(), "-t", String.valueOf(threads),
                "-p", String.valueOf(pp), "-n", String.valueOf(tg), "-r", "1", "-o", "json");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            if (code != 0) throw new SuperweightException("--compare: " + binary + " exited with " + code + " on " + model
                    + " (llama.cpp needs the tokenizer in the GGUF)");
            double[] rates = {Double.NaN, Double.NaN};
            for (JsonNode test : new ObjectMapper().readTree(out)) {
                if (test.path("n_gen").asInt() == 0) rates[0] = test.path("avg_ts").asDouble();
                else if (test.path("n_prompt").asInt() == 0) rates[1] = test.path("avg_ts").asDouble();
            }
            return rates;
        } catch (IOException e) {
            throw new SuperweightException("--compare: cannot run " + binary + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SuperweightException("--compare: interrupted");
        }
    }
}
