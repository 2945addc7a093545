package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static superweight.cli.CommandLineTest.run;

/** synth and convert end to end: files that other commands open, JSON shapes, one-line errors. */
class ExportCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void synthHuggingFaceWithAPlantedSuperWeightIsDetected() throws Exception {
        Path out = tmp.resolve("planted-hf");
        var synth = run("synth", "--out", out.toString(), "--format", "hf", "--type", "bf16", "--hidden", "256", "--intermediate", "512",
                "--layers", "3", "--heads", "4", "--kv-heads", "2", "--vocab", "320", "--plant-super-weight", "1:27:121", "--json");
        assertThat(synth.code()).as(synth.err()).isZero();
        JsonNode s = JSON.readTree(synth.out());
        assertThat(s.get("planted").get(0).get("col").asInt()).isEqualTo(121);
        assertThat(Files.exists(out.resolve("config.json"))).isTrue();
        var detect = run("detect", "--model", out.toString(), "--tokens", "1,15,299,7,42,180,3,77", "--out", tmp.resolve("d").toString(), "--json");
        assertThat(detect.code()).as(detect.err()).isZero();
        JsonNode sws = JSON.readTree(detect.out()).get("super_weights");
        assertThat(sws).hasSize(1);
        assertThat(sws.get(0).get("layer").asInt()).isEqualTo(1);
        assertThat(sws.get(0).get("row").asInt()).isEqualTo(27);
        assertThat(sws.get(0).get("col").asInt()).isEqualTo(121);
    }

    @Test
    void convertWritesAGgufThatInfoOpens() throws Exception {
        Path out = tmp.resolve("qwen2-q8.gguf");
        var conv = run("convert", "--model", Fixtures.arch("qwen2").toString(), "--out", out.toString(), "--type", "q8_0", "--json");
        assertThat(conv.code()).as(conv.err()).isZero();
        JsonNode c = JSON.readTree(conv.out());
        // hidden 64 rows divide into 32-blocks; down_proj rows of 176 do not and fall back to F16
        assertThat(c.get("tensor_types").get("Q8_0").asInt()).isEqualTo(1 + 3 * 6);
        assertThat(c.get("tensor_types").get("F16").asInt()).isEqualTo(3);
        JsonNode info = JSON.readTree(run("info", "--model", out.toString(), "--json").out());
        assertThat(info.get("architecture").asText()).isEqualTo("qwen2");
        assertThat(info.get("unused_tensors")).isEmpty();
    }

    /**
     * A Hugging Face folder whose tokenizer is a GGUF vocabulary (no tokenizer.json) converts to a GGUF that carries
     * that tokenizer: the same ids for the vocabulary's reference strings, not "no_vocab" (which llama.cpp's
     * llama-perplexity cannot run on).
     */
    @Test
    void convertCarriesAGgufVocabularyBesideTheCheckpoint() throws Exception {
        Path hf = tmp.resolve("hf-with-vocab");
        var synth = run("synth", "--out", hf.toString(), "--format", "hf", "--type", "f32", "--hidden", "64", "--intermediate", "96",
                "--layers", "1", "--heads", "4", "--kv-heads", "4", "--vocab", "32000");
        assertThat(synth.code()).as(synth.err()).isZero();
        Path vocab = Fixtures.shared().resolve("vocab/ggml-vocab-llama-spm.gguf");
        Files.createSymbolicLink(hf.resolve("tokenizer.gguf"), vocab.toAbsolutePath());
        Path out = tmp.resolve("with-vocab.gguf");
        var conv = run("convert", "--model", hf.toString(), "--out", out.toString(), "--type", "f32");
        assertThat(conv.code()).as(conv.err()).isZero();
        try (superweight.model.format.GgufFile g = superweight.model.format.GgufFile.open(out)) {
            assertThat(g.getString("tokenizer.ggml.model")).isEqualTo("llama");
        }
        superweight.tokenizer.Tokenizer reference = superweight.tokenizer.Tokenizers.load(vocab), converted = superweight.tokenizer.Tokenizers.load(out);
        for (String text : superweight.tokenizer.TestVectors.parseInputs(Files.readString(Path.of(vocab + ".inp")))) {
            assertThat(converted.encode(text)).as(text).containsExactly(reference.encode(text));
        }
    }

    @Test
    void badTypesAndTargetsAreOneLineErrors() {
        Path gguf = tmp.resolve("x.gguf");
        var unknown = run("convert", "--model", Fixtures.arch("llama").toString(), "--out", gguf.toString(), "--type", "q3_k");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err().strip()).startsWith("error: --type: unknown type 'q3_k'").doesNotContain("\n");
        var hfQuant = run("convert", "--model", Fixtures.arch("llama").toString(), "--out", tmp.resolve("hf").toString(), "--type", "q4_0");
        assertThat(hfQuant.code()).isEqualTo(1);
        assertThat(hfQuant.err()).contains("safetensors holds f32, f16 or bf16");
        var mixedHf = run("convert", "--model", Fixtures.arch("llama").toString(), "--out", tmp.resolve("hf2").toString(), "--keep-high", "2");
        assertThat(mixedHf.code()).isEqualTo(1);
        assertThat(mixedHf.err()).contains("only a GGUF target");
        var wrongName = run("synth", "--out", tmp.resolve("dir").toString(), "--format", "gguf");
        assertThat(wrongName.code()).isEqualTo(1);
        assertThat(wrongName.err()).contains("needs a name ending in .gguf");
        var plant = run("synth", "--out", gguf.toString(), "--hidden", "64", "--intermediate", "96", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--vocab", "300", "--plant-super-weight", "5:1:1");
        assertThat(plant.code()).isEqualTo(1);
        assertThat(plant.err()).contains("is outside the model");
        assertThat(Files.exists(gguf)).isFalse();
    }
    @Test
    void convertKeepsTheSuperWeightTensorAtTheHighType() throws Exception {
        Path src = tmp.resolve("planted.gguf");
        var synth = run("synth", "--out", src.toString(), "--hidden", "256", "--intermediate", "512", "--layers", "2", "--heads", "4",
                "--kv-heads", "2", "--vocab", "320", "--plant-super-weight", "1:27:121");
        assertThat(synth.code()).as(synth.err()).isZero();
        Path out = tmp.resolve("mixed.gguf");
        var conv = run("convert", "--model", src.toString(), "--out", out.toString(), "--type", "q4_0", "--super-weights", "1:27:121",
                "--keep-high", "1", "--json");
        assertThat(conv.code()).as(conv.err()).isZero();
        JsonNode c = JSON.readTree(conv.out());
        assertThat(c.get("super_weights").get(0).asText()).isEqualTo("(1, 27, 121)");
        assertThat(c.get("tensor_types").get("Q8_0").asInt()).isEqualTo(2);
        boolean downHigh = false;
        for (JsonNode t : c.get("tensors")) {
            if (t.get("name").asText().equals("blk.1.ffn_down.weight")) downHigh = t.get("type").asText().equals("Q8_0");
        }
        assertThat(downHigh).isTrue();
        var detect = run("convert", "--model", src.toString(), "--out", tmp.resolve("d.gguf").toString(), "--super-weights", "detect");
        assertThat(detect.code()).isEqualTo(1);
        assertThat(detect.err()).startsWith("error: ");
    }
}
