package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.eval.ByteTestTokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The ppl and eval commands end to end on a fixture model, with the byte-level test tokenizer standing in. */
class EvalCommandsTest {
    final StringWriter out = new StringWriter(), err = new StringWriter();
    final String model = Fixtures.arch("llama").resolve("model.safetensors").toString();

    @BeforeEach
    void testTokenizer() {
        ModelTokenizer.loader = p -> new ByteTestTokenizer(true);
    }

    @AfterEach
    void realTokenizer() {
        ModelTokenizer.loader = Tokenizers::load;
    }

    int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void evalPrintsLmEvalJsonAndWritesTheOutFile(@TempDir Path dir) throws Exception {
        Path outFile = dir.resolve("r/results.json");
        int code = run("eval", "--model", model, "--tasks", "piqa,lambada_openai", "--limit", "3", "--json",
                "--store", dir.resolve("runs.duckdb").toString(), "--out", outFile.toString());
        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("results").get("piqa").has("acc_norm,none")).isTrue();
        assertThat(json.get("results").get("lambada_openai").has("perplexity,none")).isTrue();
        assertThat(json.get("n-samples").get("piqa").get("effective").asInt()).isEqualTo(3);
        assertThat(new ObjectMapper().readTree(outFile.toFile()).get("results")).isEqualTo(json.get("results"));
        assertThat(Files.exists(dir.resolve("runs.duckdb"))).isTrue();
    }

    @Test
    void evalTextTableListsEveryMetricAndTheAverage() {
        int code = run("eval", "--model", model, "--tasks", "winogrande", "--limit", "2", "--no-store");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("winogrande").contains(" acc ").contains("average");
    }

    @Test
    void pplOnATextFileReportsTheJsonFields(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(4));
        int code = run("ppl", "--model", model, "--dataset", text.toString(), "--ctx", "32", "--json", "--no-store");
        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        // 180 characters + BOS; " q" style pairs merge: count windows from the tokenizer independently
        int tokens = new ByteTestTokenizer(true).encode(Files.readString(text), true, false).length;
        assertThat(json.get("windows").asInt()).isEqualTo(tokens / 32);
        assertThat(json.get("tokens").asLong()).isEqualTo((tokens / 32) * 31L);
        assertThat(json.get("ctx").asInt()).isEqualTo(32);
        assertThat(Math.exp(json.get("nll").asDouble())).isCloseTo(json.get("ppl").asDouble(), org.assertj.core.api.Assertions.within(1e-9));
        assertThat(json.get("dataset").asText()).isEqualTo("t.txt");
    }

    @Test
    void pplDefaultContextShrinksToTheModelsWithANote(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "abcdefghij".repeat(60));
        int code = run("ppl", "--model", model, "--dataset", text.toString(), "--json", "--store", dir.resolve("runs.duckdb").toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("note: using ctx 256, the model's maximum context");
        assertThat(new ObjectMapper().readTree(out.toString()).get("ctx").asInt()).isEqualTo(256);
    }

    @Test
    void limitZeroIsRejected() {
        assertThat(run("eval", "--model", model, "--tasks", "piqa", "--limit", "0")).isEqualTo(1);
        assertThat(err.toString()).contains("error: --limit 0: must be at least 1");
        assertThat(run("ppl", "--model", model, "--dataset", "wikitext2", "--limit", "0")).isEqualTo(1);
    }

    @Test
    void unknownTaskIsRejectedBeforeTheModelLoads() {
        assertThat(run("eval", "--model", "/no/such/model", "--tasks", "piqa,mmlu")).isEqualTo(1);
        assertThat(err.toString()).contains("error: unknown task 'mmlu' (known: piqa, arc_easy");
    }

    @Test
    void explicitContextLongerThanDeclaredProceedsWithOneWarningLine(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "abcdefghij".repeat(70));
        int code = run("ppl", "--model", model, "--dataset", text.toString(), "--ctx", "300", "--json", "--no-store");
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString().lines().filter(l -> l.startsWith("warning: --ctx 300 is longer than the context length 256"))).hasSize(1);
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("ctx").asInt()).isEqualTo(300);
        assertThat(json.get("windows").asInt()).isEqualTo(2);   // 701 tokens (BOS + 700 bytes) / 300
    }

    @Test
    void windowsOutHasOneLinePerWindowAddingUpToTheTotal(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt"), lines = dir.resolve("w/windows.jsonl");
        Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(4));
        int code = run("ppl", "--model", model, "--dataset", text.toString(), "--ctx", "32", "--json", "--no-store",
                "--windows-out", lines.toString());
        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        var rows = Files.readAllLines(lines).stream().map(l -> {
            try {
                return new ObjectMapper().readTree(l);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(rows).hasSize(json.get("windows").asInt());
        double sum = 0;
        long n = 0;
        for (int w = 0; w < rows.size(); w++) {
            JsonNode r = rows.get(w);
            assertThat(r.get("window").asInt()).isEqualTo(w);
            assertThat(r.get("first_scored_token").asLong()).isEqualTo(w * 32L + 1);
            assertThat(r.get("tokens").asInt()).isEqualTo(31);
            assertThat(r.get("nll").asDouble()).isCloseTo(r.get("nll_sum").asDouble() / 31, org.assertj.core.api.Assertions.within(1e-12));
            sum += r.get("nll_sum").asDouble();
            n += r.get("tokens").asLong();
        }
        assertThat(sum / n).isCloseTo(json.get("nll").asDouble(), org.assertj.core.api.Assertions.within(1e-12));
        assertThat(json.get("rule").asText()).isEqualTo("text file as is");
    }

    @Test
    void missingDataIsOneLine(@TempDir Path dir) {
        assertThat(run("eval", "--model", model, "--tasks", "sciq", "--data-dir", dir.toString(), "--no-store")).isEqualTo(1);
        String e = err.toString().strip();
        assertThat(e).startsWith("error: sciq: data not found; looked for <data>/sciq/test.json").doesNotContain("\n");
    }

    @Test
    void unknownDatasetIsRejected() {
        assertThat(run("ppl", "--model", model, "--dataset", "ptb")).isEqualTo(1);
        assertThat(err.toString()).contains("error: ptb: neither a known data set (wikitext2, c4, c4-new) nor a readable file");
    }

    /** The llama2c-260k GGUF with its real (GGUF-embedded) tokenizer; it declares context 128 but was trained with 512. */
    final String gguf = Fixtures.shared().resolve("models/llama2c-260k/model.gguf").toString();

    @Test
    void wikitextThroughTheRealTokenizerWithSampleLogAndALongerMaxLength(@TempDir Path dir) throws Exception {
        ModelTokenizer.loader = Tokenizers::load;
        Path data = dir.resolve("data"), samples = dir.resolve("samples");
        Files.createDirectories(data.resolve("wikitext-2-raw"));
        // two pages: " = A = \n \n x y z . \n " (9 words as re.split(r"\s+") counts, ends included) and " = B = \n \n p q . \n" (8)
        Files.writeString(data.resolve("wikitext-2-raw/wiki.test.raw"), " = A = \n \n x y z . \n \n = B = \n \n p q . \n");
        int code = run("eval", "--model", gguf, "--tasks", "wikitext", "--max-length", "200", "--json", "--no-store",
                "--data-dir", data.toString(), "--log-samples", samples.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(err.toString()).contains("warning: --max-length 200 is longer than the context length 128");
        JsonNode json = new ObjectMapper().readTree(out.toString());
        JsonNode w = json.get("results").get("wikitext");
        var lines = Files.readAllLines(samples.resolve("samples_wikitext.jsonl"));
        assertThat(lines).hasSize(2);
        double ll = 0, words = 0, bytes = 0;
        for (String l : lines) {
            JsonNode s = new ObjectMapper().readTree(l);
            ll += Double.parseDouble(s.get("filtered_resps").get(0).asText());
            words += s.get("word_perplexity").get(1).asDouble();
            bytes += s.get("byte_perplexity").get(1).asDouble();
        }
        assertThat(new ObjectMapper().readTree(lines.getFirst()).get("target").asText()).isEqualTo(" = A =\n\nx y z.\n");
        assertThat(words).isEqualTo(9 + 8);
        assertThat(bytes).isEqualTo(21 + 18);   // len(page.encode()) in CPython
        assertThat(w.get("word_perplexity,none").asDouble()).isCloseTo(Math.exp(-ll / words), org.assertj.core.api.Assertions.withinPercentage(1e-9));
        assertThat(w.get("bits_per_byte,none").asDouble()).isCloseTo(-ll / bytes / Math.log(2), org.assertj.core.api.Assertions.withinPercentage(1e-9));
        assertThat(w.get("word_perplexity_stderr,none").asText()).isEqualTo("N/A");
        assertThat(json.get("config").get("max_length").asInt()).isEqualTo(200);
    }

    @Test
    void logSamplesOfAChoiceTaskAgreeWithTheReportedAccuracies(@TempDir Path dir) throws Exception {
        Path samples = dir.resolve("samples");
        int code = run("eval", "--model", model, "--tasks", "piqa", "--limit", "3", "--json", "--no-store", "--log-samples", samples.toString());
        assertThat(code).as(err.toString()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        var piqa = Files.readAllLines(samples.resolve("samples_piqa.jsonl")).stream().map(l -> {
            try {
                return new ObjectMapper().readTree(l);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(piqa).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode s = piqa.get(i);
            assertThat(s.get("doc_id").asInt()).isEqualTo(i);
            double a = Double.parseDouble(s.get("filtered_resps").get(0).get(0).asText());
            double b = Double.parseDouble(s.get("filtered_resps").get(1).get(0).asText());
            int gold = s.get("target").asInt();
            assertThat(s.get("acc").asDouble()).isEqualTo((a >= b ? 0 : 1) == gold ? 1.0 : 0.0);
        }
        double acc = piqa.stream().mapToDouble(s -> s.get("acc").asDouble()).average().orElseThrow();
        double accNorm = piqa.stream().mapToDouble(s -> s.get("acc_norm").asDouble()).average().orElseThrow();
        assertThat(json.get("results").get("piqa").get("acc,none").asDouble()).isEqualTo(acc);
        assertThat(json.get("results").get("piqa").get("acc_norm,none").asDouble()).isEqualTo(accNorm);
    }
}
