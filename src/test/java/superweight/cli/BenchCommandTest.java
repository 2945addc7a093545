package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.tensor.Parallel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static superweight.cli.CommandLineTest.run;
import superweight.cli.CommandLineTest.Result;

/** bench: the work it divides by (FLOPs, bytes) against hand counts, its limits and fractions, and --compare. */
class BenchCommandTest {
    private static final int THREADS = Parallel.threads();
    private static final Path LLAMA = Fixtures.arch("llama").resolve("model-f32.gguf");

    @TempDir
    Path tmp;

    @AfterEach
    void restoreThreads() {
        Parallel.useThreads(THREADS);
    }

    @Test
    void flopsAndBytesAreCountedFromTheShapes() {
        // llama fixture: hidden 64, 4 heads of 16, 2 KV heads, intermediate 176, 3 layers, vocab 320, untied F32 output.
        long perLayer = 64 * 64 + 32 * 64 + 32 * 64 + 64 * 64 + 3 * 176 * 64;
        long head = 320 * 64;
        Model m = ModelLoader.load(LLAMA);
        try {
            int n = 8;
            double attention = 3.0 * 4 * 16 * (n * (n + 1) / 2) * 2;
            // The last layer's MLP runs on the last position only (the rows without logits are dropped after attention).
            long mlp = 3 * 176 * 64;
            assertThat(BenchCommand.prefillFlops(m, n)).isEqualTo(2 * (3.0 * perLayer * n - mlp * (n - 1.0) + attention) + 2.0 * head);
            assertThat(BenchCommand.decodeBytes(m)).isEqualTo(4.0 * (3 * perLayer + head));
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void decodesMoreTokensThanThePromptHas() throws Exception {
        // once failed with an index out of bounds: the decoded tokens were read from the prompt past its end
        Result r = run("bench", "--model", LLAMA.toString(), "--prompt-tokens", "2", "--gen-tokens", "5", "--repetitions", "1",
                "--warmup", "0", "--threads", "1", "--no-limits", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("tg5_tokens_per_s").get(0).asDouble()).isPositive();
    }

    @Test
    void printsTheLimitsAndEachSpeedAsAFractionOfIt() throws Exception {
        Result r = run("bench", "--model", LLAMA.toString(), "--prompt-tokens", "8", "--gen-tokens", "2", "--repetitions", "1",
                "--warmup", "0", "--threads", "1", "--bandwidth-mib", "64", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode b = new ObjectMapper().readTree(r.out());
        assertThat(b.get("threads").asInt()).isEqualTo(1);
        assertThat(b.get("vector_bits").asInt()).isIn(128, 256, 512);
        double peak = b.get("fma_peak_gflops").asDouble(), bandwidth = b.get("read_bandwidth_gb_per_s").asDouble();
        // One thread (--threads 1) of lanes = vector_bits / 32 floats can at most retire 2 FMAs (2 flops per lane)
        // and 2 vector loads per cycle; no CPU clocks above 6 GHz. Slowness only lowers these, so load cannot fail them.
        int lanes = b.get("vector_bits").asInt() / 32;
        assertThat(peak).isPositive().isLessThanOrEqualTo(6.0 * lanes * 2 * 2);
        assertThat(bandwidth).isPositive().isLessThanOrEqualTo(6.0 * 2 * lanes * 4);
        // the theoretical figure: every core x GHz x lanes x 2 x the 2 FMA units of the default --fma-units
        String formula = b.get("fma_peak_theoretical_formula").asText();
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(formula).matches(cores + " cores x [0-9]+\\.[0-9]{2} GHz x " + lanes + " lanes x 2 x 2 FMA units");
        double ghz = Double.parseDouble(formula.split(" ")[3]);
        assertThat(b.get("fma_peak_gflops_theoretical").asDouble()).isCloseTo(cores * ghz * lanes * 2 * 2, within(cores * 0.005 * lanes * 4));
        // the clock the measured peak implies on the one thread: peak / (1 x lanes x 2 x 2 units)
        assertThat(b.get("fma_peak_implied_ghz").asDouble()).isCloseTo(peak / (lanes * 2 * 2), within(1e-9 * peak));
        assertThat(b.get("pp_fraction_of_fma_peak").asDouble()).isEqualTo(b.get("pp_gflops").asDouble() / peak);
        assertThat(b.get("tg_fraction_of_bandwidth").asDouble()).isEqualTo(b.get("tg_weight_gb_per_s").asDouble() / bandwidth);
        Result skipped = run("bench", "--model", LLAMA.toString(), "--prompt-tokens", "4", "--gen-tokens", "2", "--repetitions", "1",
                "--warmup", "0", "--no-limits", "--json");
        assertThat(new ObjectMapper().readTree(skipped.out()).has("fma_peak_gflops")).isFalse();
    }

    /** A stand-in llama-bench that prints llama-bench's JSON shape: the ratios are ours over its figures. */
    @Test
    void compareRunsLlamaBenchAndPrintsTheRatios() throws Exception {
        Path fake = tmp.resolve("llama-bench");
        Files.writeString(fake, """
                #!/bin/sh
                echo '[{"n_prompt": 4, "n_gen": 0, "avg_ts": 2.5}, {"n_prompt": 0, "n_gen": 2, "avg_ts": 0.5}]'
                """);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Result r = run("bench", "--model", LLAMA.toString(), "--prompt-tokens", "4", "--gen-tokens", "2", "--repetitions", "1",
                "--warmup", "0", "--no-limits", "--compare", fake.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode b = new ObjectMapper().readTree(r.out());
        assertThat(b.get("llama_pp_tokens_per_s").get(0).asDouble()).isEqualTo(2.5);
        assertThat(b.get("pp_ratio_vs_llama").asDouble()).isEqualTo(b.get("pp_median").asDouble() / 2.5);
        assertThat(b.get("tg_ratio_vs_llama").asDouble()).isEqualTo(b.get("tg_median").asDouble() / 0.5);
        Result missing = run("bench", "--model", LLAMA.toString(), "--compare", "no-such-llama-bench-here");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("--compare: no-such-llama-bench-here not found on the PATH");
    }
}
