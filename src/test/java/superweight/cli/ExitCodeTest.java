package superweight.cli;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Every exit code of RELIABILITY.md, and --debug as a real option that never alters other arguments. */
class ExitCodeTest {
    private static CommandLineTest.Result run(String... args) {
        return CommandLineTest.run(args);
    }

    private static final String VOCAB = Fixtures.shared().resolve("vocab/ggml-vocab-gpt-2.gguf").toString();

    @Test
    void badInputIsOneLineAndExitOne() {
        CommandLineTest.Result r = run("info", "--model", "/nonexistent/model.gguf");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: /nonexistent/model.gguf").doesNotContain("\n");
    }

    @Test
    void badCommandLineIsExitTwo() {
        assertThat(run("info", "--no-such-option").code()).isEqualTo(2);
        assertThat(run().code()).isEqualTo(2);
    }

    @Test
    void debugPrintsTheStackTraceWhereverItStands() {
        for (String[] args : new String[][]{
                {"--debug", "info", "--model", "/nonexistent/model.gguf"},
                {"info", "--debug", "--model", "/nonexistent/model.gguf"},
                {"info", "--model", "/nonexistent/model.gguf", "--debug"}}) {
            CommandLineTest.Result r = run(args);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("SuperweightException").contains("\tat superweight.");
        }
        assertThat(run("info", "--model", "/nonexistent/model.gguf").err()).doesNotContain("\tat ");
    }

    /**
     * The old launcher removed every argument "--debug" wherever it stood; now only picocli parses it: text containing
     * it is kept whole, and a value that is exactly "--debug" is refused (exit 2) instead of being silently dropped.
     */
    @Test
    void anArgumentSpelledDebugIsAValueNotTheOption() throws Exception {
        CommandLineTest.Result r = run("tokenize", "--model", VOCAB, "--text", "run --debug now", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        int[] ids = Cli.parseIds(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("ids").toString().replaceAll("[\\[\\]]", ""), "ids");
        assertThat(Tokenizers.load(Path.of(VOCAB)).decode(ids)).isEqualTo("run --debug now");
        assertThat(r.err()).doesNotContain("\tat ");
        CommandLineTest.Result exact = run("tokenize", "--model", VOCAB, "--text", "--debug");
        assertThat(exact.code()).isEqualTo(2);
        assertThat(exact.err()).contains("Expected parameter for option '--text' but found '--debug'");
    }

    @Test
    void internalErrorsAndOutOfMemoryHaveTheirOwnCodes() {
        StringWriter err = new StringWriter();
        assertThat(Main.fail(new IllegalStateException("boom"), new PrintWriter(err))).isEqualTo(3);
        assertThat(err.toString()).contains("IllegalStateException: boom").contains("internal error");
        err = new StringWriter();
        assertThat(Main.fail(new OutOfMemoryError("Java heap space"), new PrintWriter(err))).isEqualTo(4);
        assertThat(err.toString()).contains("out of memory").contains("-Xmx");
        assertThat(Main.fail(new SuperweightException("x: bad"), new PrintWriter(new StringWriter()))).isEqualTo(1);
    }
}
