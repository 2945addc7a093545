package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The engine commands end to end: output shapes, values against the fixtures, and one-line errors. */
class CommandLineTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void infoReportsTheConfiguration() throws Exception {
        Result r = run("info", "--model", Fixtures.arch("qwen2").resolve("model-f32.gguf").toString(), "--json");
        assertThat(r.code()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("architecture").asText()).isEqualTo("qwen2");
        assertThat(j.get("layers").asInt()).isEqualTo(3);
        assertThat(j.get("kv_heads").asInt()).isEqualTo(2);
        assertThat(j.get("vocab_size").asInt()).isEqualTo(320);
        // qwen2 fixture: tied; 3 layers x (q 64x64 + k,v 32x64 + o 64x64 + biases 64+32+32 + 3 MLP 176x64 + 2 norms 64)
        // + embeddings 320x64 + final norm 64.
        long perLayer = 64 * 64 + 2 * 32 * 64 + 64 * 64 + 64 + 32 + 32 + 3 * 176 * 64 + 2 * 64;
        assertThat(j.get("parameters").asLong()).isEqualTo(3 * perLayer + 320 * 64 + 64);
    }

    @Test
    void scoreWritesLogitsAndNll() throws Exception {
        Path dir = Fixtures.arch("llama");
        int[] tokens = Fixtures.ints(Fixtures.json(dir.resolve("tokens.json")));
        String ids = java.util.Arrays.toString(tokens).replaceAll("[\\[\\] ]", "");
        Path logits = tmp.resolve("l.f32");
        Result r = run("score", "--model", dir.toString(), "--tokens", ids, "--logits-out", logits.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        float[] ref = Fixtures.floats(dir.resolve("logits.f32"));
        assertThat(Fixtures.maxAbsDiff(Fixtures.floats(logits), ref)).isLessThanOrEqualTo(1e-4f);
        // NLL recomputed here from the reference logits.
        double nll = 0;
        for (int i = 1; i < tokens.length; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < 320; v++) max = Math.max(max, ref[(i - 1) * 320 + v]);
            for (int v = 0; v < 320; v++) sum += Math.exp(ref[(i - 1) * 320 + v] - max);
            nll -= ref[(i - 1) * 320 + tokens[i]] - max - Math.log(sum);
        }
        nll /= tokens.length - 1;
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("tokens").asInt()).isEqualTo(32);
        assertThat(j.get("nll").asDouble()).isCloseTo(nll, org.assertj.core.api.Assertions.within(1e-4));
        assertThat(j.get("ppl").asDouble()).isCloseTo(Math.exp(nll), org.assertj.core.api.Assertions.withinPercentage(0.01));
    }

    @Test
    void generateGreedyMatchesReference() throws Exception {
        Path dir = Fixtures.shared().resolve("models/llama2c-260k");
        JsonNode ref = Fixtures.json(dir.resolve("reference.json")).get("greedy_from_prompt");
        Result r = run("generate", "--model", dir.resolve("model.gguf").toString(), "--tokens", "1,400,300,450,13",
                "--max-tokens", "20", "--temperature", "0", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("ids")).isEqualTo(ref.get("generated"));
        assertThat(j.get("prompt_ids")).isEqualTo(ref.get("prompt"));
    }

    @Test
    void badInputGivesOneLineErrorsAndNonZeroExit() throws Exception {
        Path notModel = tmp.resolve("notes.gguf");
        Files.writeString(notModel, "not a model");
        for (String[] args : new String[][]{
                {"info", "--model", tmp.resolve("missing").toString()},
                {"info", "--model", notModel.toString()},
                {"score", "--model", Fixtures.arch("llama").toString(), "--tokens", "1,2,x"},
                {"score", "--model", Fixtures.arch("llama").toString(), "--tokens", "1,99999"},
                {"generate", "--model", Fixtures.arch("llama").toString(), "--tokens", "1", "--max-tokens", "0"},
                {"generate", "--model", Fixtures.arch("llama").toString(), "--tokens", "1", "--max-tokens", "256"},
                {"score", "--model", Fixtures.arch("llama").toString(), "--tokens", "1,2 ".repeat(129)},
        }) {
            Result r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(r.err().strip()).as(String.join(" ", args)).startsWith("error: ").doesNotContain("\n").doesNotContain("Exception");
        }
        Result usage = run("info", "--model", Fixtures.arch("llama").toString(), "--bogus");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).contains("Unknown option: '--bogus'");
    }

    @Test
    void scoreTextGoesThroughTheModelsTokenizer() throws Exception {
        // The fixture GGUF vocabulary is <unk>, <s>, </s>, 256 byte pieces, then "\u2581a", "\u2581b", ...: so "a b" is
        // [259, 260], after BOS (add_bos_token = true).
        String model = Fixtures.arch("llama").resolve("model-f32.gguf").toString();
        Result text = run("score", "--model", model, "--text", "a b", "--json");
        Result ids = run("score", "--model", model, "--tokens", "1,259,260", "--json");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo(ids.out());
        Result gen = run("generate", "--model", model, "--prompt", "a b", "--max-tokens", "3", "--json");
        assertThat(new ObjectMapper().readTree(gen.out()).get("prompt_ids").toString()).isEqualTo("[1,259,260]");
    }

    @Test
    void synthWritesTheRequestedShapeAndBenchMeasuresIt() throws Exception {
        Path file = tmp.resolve("tiny.gguf");
        Result synth = run("synth", "--out", file.toString(), "--hidden", "64", "--intermediate", "96", "--layers", "2",
                "--heads", "4", "--kv-heads", "2", "--vocab", "300", "--type", "q8_0");
        assertThat(synth.code()).as(synth.err()).isZero();
        JsonNode info = new ObjectMapper().readTree(run("info", "--model", file.toString(), "--json").out());
        assertThat(info.get("hidden_size").asInt()).isEqualTo(64);
        assertThat(info.get("intermediate_size").asInt()).isEqualTo(96);
        assertThat(info.get("kv_heads").asInt()).isEqualTo(2);
        assertThat(info.get("tensor_dtypes").get("Q8_0").asInt()).isEqualTo(2 * 7 + 2); // embeddings and output too, as llama.cpp
        // embeddings 300x64 + per layer (q, o 64x64; k, v 32x64; gate, up, down 96x64; 2 norms) + final norm + output 300x64
        long perLayer = 2 * 64 * 64 + 2 * 32 * 64 + 3 * 96 * 64 + 2 * 64;
        assertThat(info.get("parameters").asLong()).isEqualTo(300 * 64 + 2 * perLayer + 64 + 300 * 64);
        Result bench = run("bench", "--model", file.toString(), "--prompt-tokens", "8", "--gen-tokens", "4", "--repetitions", "1", "--json");
        assertThat(bench.code()).as(bench.err()).isZero();
        JsonNode b = new ObjectMapper().readTree(bench.out());
        // One repetition: the medians are the measured rates; the derived figures follow from the shape by hand.
        double pp = b.get("pp8_tokens_per_s").get(0).asDouble(), tg = b.get("tg4_tokens_per_s").get(0).asDouble();
        assertThat(pp).isPositive();
        assertThat(tg).isPositive();
        assertThat(b.get("pp_median").asDouble()).isEqualTo(pp);
        assertThat(b.get("tg_median").asDouble()).isEqualTo(tg);
        // prefill: 2 x (30 720 linear weights per layer x 2 layers x 8 tokens - the last layer's MLP (3 x 96 x 64 =
        // 18 432) on the 7 rows that get no logits + causal attention 2 x 4 heads x 16 x (8 x 9 / 2) x 2)
        // + 2 x 300 x 64 for the head on the last token = 781 824 flops for 8 tokens
        assertThat(b.get("pp_gflops").asDouble()).isCloseTo(781_824.0 * pp / 8 / 1e9, within(1e-9 * pp));
        // decode streams every linear (61 440) and the head (19 200) as Q8_0: 34 bytes per 32 weights = 85 680 bytes
        assertThat(b.get("tg_weight_gb_per_s").asDouble()).isCloseTo(85_680.0 * tg / 1e9, within(1e-9 * tg));
        Result bad = run("synth", "--out", tmp.resolve("x.gguf").toString(), "--hidden", "48", "--heads", "4", "--kv-heads", "4", "--type", "q4_0");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("multiples of the block size 32");
    }

    @Test
    void everyCommandHasCleanHelp() {
        var commands = new picocli.CommandLine(new Main()).getSubcommands().keySet();
        assertThat(commands).contains("info", "score", "generate", "tokenize", "detect", "ablate", "ppl", "eval");
        java.io.PrintStream stderr = System.err;
        var captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));  // picocli reports format problems on System.err
        try {
            for (String c : commands) {
                Result r = run(c, "--help");
                assertThat(r.code()).as(c).isZero();
                assertThat(r.out()).as(c).contains("Usage: superweight " + c);
            }
            Result top = run("--help");
            assertThat(top.out()).contains("Commands:");
        } finally {
            System.setErr(stderr);
        }
        assertThat(captured.toString()).doesNotContain("WARN");
    }
}
