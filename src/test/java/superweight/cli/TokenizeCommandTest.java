package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private static String vocab(String name) {
        return Fixtures.shared().resolve("vocab/ggml-vocab-" + name + ".gguf").toString();
    }

    /** --vectors output is byte-for-byte the reference .out file, so any vocabulary can be checked with diff. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "bert-bge"})
    void vectorsReproduceTheOutFile(String name) throws Exception {
        Result r = run("tokenize", "--model", vocab(name), "--vectors", vocab(name) + ".inp");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).isEqualTo(Files.readString(Path.of(vocab(name) + ".out")));
    }

    @Test
    void plainAndJsonIds() throws Exception {
        Result plain = run("tokenize", "--model", vocab("llama-spm"), "--text", "Hello world", "--add-bos");
        assertThat(plain.code).isZero();
        assertThat(plain.out.strip()).isEqualTo("1 15043 3186");
        Result json = run("tokenize", "--model", vocab("gpt-2"), "--text", "Hello world", "--json");
        JsonNode ids = JSON.readTree(json.out).path("ids");
        assertThat(ids.toString()).isEqualTo("[15496,995]");
        Result empty = run("tokenize", "--model", vocab("gpt-2"), "--text", "", "--json");
        assertThat(JSON.readTree(empty.out).path("ids").size()).isZero();
    }

    @Test
    void decodeTakesCommaOrSpaceSeparatedIds() throws Exception {
        Result r = run("tokenize", "--model", vocab("llama-spm"), "--decode", "--text", "1, 15043 3186");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).isEqualTo("Hello world\n");
        Result j = run("tokenize", "--model", vocab("gpt-2"), "--decode", "--json", "--text", "15496,995");
        assertThat(JSON.readTree(j.out).path("text").asText()).isEqualTo("Hello world");
    }

    @Test
    void invalidUtf8InATextFileBecomesReplacementCharacters() throws Exception {
        Path f = dir.resolve("bad.txt");
        Files.write(f, new byte[] {'a', (byte) 0xFF, 'b', (byte) 0xC3});
        Result bad = run("tokenize", "--model", vocab("gpt-2"), "--text-file", f.toString());
        Result same = run("tokenize", "--model", vocab("gpt-2"), "--text", "a\uFFFDb\uFFFD");
        assertThat(bad.code).as(bad.err).isZero();
        assertThat(bad.out).isEqualTo(same.out);
        // U+FFFD is bytes EF BF BD: GPT-2 encodes it as the tokens of those bytes, so the output is not empty.
        assertThat(bad.out.strip().split(" ").length).isGreaterThanOrEqualTo(4);
    }

    @Test
    void errorsAreOneLine() {
        Result missingModel = run("tokenize", "--model", dir.resolve("none.gguf").toString(), "--text", "x");
        assertThat(missingModel.code).isEqualTo(1);
        assertThat(missingModel.err.strip()).startsWith("error: ").contains("none.gguf").doesNotContain("\n");

        Result missingText = run("tokenize", "--model", vocab("gpt-2"), "--text-file", dir.resolve("none.txt").toString());
        assertThat(missingText.code).isEqualTo(1);
        assertThat(missingText.err.strip()).contains("none.txt").contains("no such file").doesNotContain("\n");

        Result llama2c = run("tokenize", "--model", Fixtures.shared().resolve("models/llama2c-260k/model.bin").toString(), "--text", "x");
        assertThat(llama2c.code).isEqualTo(1);
        assertThat(llama2c.err.strip()).contains("no tokenizer").doesNotContain("\n");

        Result badId = run("tokenize", "--model", vocab("gpt-2"), "--decode", "--text", "12 x3");
        assertThat(badId.code).isEqualTo(1);
        assertThat(badId.err.strip()).isEqualTo("error: --text: \"x3\" is not a token id");

        Result twoInputs = run("tokenize", "--model", vocab("gpt-2"), "--text", "a", "--vectors", vocab("gpt-2") + ".inp");
        assertThat(twoInputs.code).isEqualTo(1);
        assertThat(twoInputs.err).contains("exactly one of");
    }
}
