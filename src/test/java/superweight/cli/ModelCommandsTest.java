package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.model.format.TestSafetensors;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** info and generate through the command line: what they report about the files they are given. */
class ModelCommandsTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    private Path llamaCopy() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("llama"));
        Files.copy(Fixtures.arch("llama").resolve("config.json"), dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), Fixtures.arch("llama").resolve("model.safetensors"));
        return dir;
    }

    @Test
    void infoJsonListsTheTensorsTheLoaderDidNotUse() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("extra"));
        Files.copy(Fixtures.arch("llama").resolve("config.json"), dir.resolve("config.json"));
        var tensors = new LinkedHashMap<>(TestSafetensors.read(Fixtures.arch("llama").resolve("model.safetensors")));
        tensors.put("model.layers.1.mlp.router.weight", new TestSafetensors.Raw("F32", new long[]{4, 64}, new byte[1024]));
        TestSafetensors.write(dir.resolve("model.safetensors"), tensors);
        Result r = run("info", "--model", dir.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().get("unused_tensors")).hasSize(1);
        assertThat(r.json().get("unused_tensors").get(0).asText()).isEqualTo("model.layers.1.mlp.router.weight");
        Result clean = run("info", "--model", Fixtures.arch("llama").toString(), "--json");
        assertThat(clean.json().get("unused_tensors")).isEmpty();
    }

    @Test
    void generateWithoutATokenizerPrintsIdsOnly() throws Exception {
        Result r = run("generate", "--model", llamaCopy().toString(), "--tokens", "1,2,3", "--max-tokens", "3", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().get("ids")).hasSize(3);
        assertThat(r.json().get("text").isNull()).isTrue();
    }

    @Test
    void generateRefusesACorruptTokenizer() throws Exception {
        Path dir = llamaCopy();
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": ");
        Result r = run("generate", "--model", dir.toString(), "--tokens", "1,2,3", "--max-tokens", "3", "--json");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).startsWith("error: " + dir.resolve("tokenizer.json")).doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void generateStopsAtTheEndOfSequenceTokenTheConfigDeclaresUnlessToldNotTo() throws Exception {
        Path dir = llamaCopy();
        Result free = run("generate", "--model", dir.toString(), "--tokens", "1,2,3", "--max-tokens", "10", "--ignore-eos", "--json");
        assertThat(free.code()).as(free.err()).isZero();
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        free.json().get("ids").forEach(n -> ids.add(n.asInt()));
        assertThat(ids).hasSize(10);
        // declare the 4th greedy token as EOS: generation must end at its first occurrence, EOS included
        int eos = ids.get(3);
        Path config = dir.resolve("config.json");
        String declared = Files.readString(config);
        assertThat(declared).contains("\"eos_token_id\": 2,");
        Files.writeString(config, declared.replace("\"eos_token_id\": 2,", "\"eos_token_id\": " + eos + ","));
        Result stopped = run("generate", "--model", dir.toString(), "--tokens", "1,2,3", "--max-tokens", "10", "--json");
        assertThat(stopped.code()).as(stopped.err()).isZero();
        assertThat(stopped.json().get("ids").toString()).isEqualTo(ids.subList(0, ids.indexOf(eos) + 1).toString().replace(" ", ""));
        Result ignored = run("generate", "--model", dir.toString(), "--tokens", "1,2,3", "--max-tokens", "10", "--ignore-eos", "--json");
        assertThat(ignored.json().get("ids").toString()).isEqualTo(ids.toString().replace(" ", ""));
    }
}
