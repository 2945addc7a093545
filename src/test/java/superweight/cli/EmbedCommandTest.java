package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.E5;
import superweight.FixtureModel;
import superweight.engine.Encoder;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** embed end to end on e5-small-v2: values from an unbatched hand computation, order, prefix, file input, pooling. */
class EmbedCommandTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(E5.onnx());
    static final Model model = LOADED.model();
    static Tokenizer tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(E5.onnx());
    }

    static float[][] embeddings(CommandLineTest.Result r) throws Exception {
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode e = new ObjectMapper().readTree(r.out()).get("embeddings");
        float[][] v = new float[e.size()][];
        for (int i = 0; i < v.length; i++) {
            v[i] = new float[e.get(i).size()];
            for (int j = 0; j < v[i].length; j++) v[i][j] = (float) e.get(i).get(j).asDouble();
        }
        return v;
    }

    /** Mean of the hidden rows, divided by its norm: written out here, one text per pass. */
    static float[] expected(String text, boolean cls) {
        int[] ids = tokenizer.encode(text, true, false);
        float[] h = new Encoder(model).hiddenStates(ids);
        int d = 384;
        double[] v = new double[d];
        for (int i = 0; i < (cls ? 1 : ids.length); i++) for (int j = 0; j < d; j++) v[j] += h[i * d + j];
        double norm = 0;
        for (double x : v) norm += x * x;
        float[] r = new float[d];
        for (int j = 0; j < d; j++) r[j] = (float) (v[j] / Math.sqrt(norm));
        return r;
    }

    @Test
    void textsAreEmbeddedInOrderWithThePrefixAndBatchingChangesNothing() throws Exception {
        List<String> texts = List.of("how much protein should a female eat", "summit define", "The quick brown fox.");
        float[][] got = embeddings(CommandLineTest.run("embed", "--model", E5.onnx().toString(), "--prefix", "query: ",
                "--text", texts.get(0), "--text", texts.get(1), "--text", texts.get(2), "--batch", "2", "--json"));
        assertThat(got).hasNumberOfRows(3);
        for (int i = 0; i < 3; i++) {
            assertThat(got[i]).containsExactly(expected("query: " + texts.get(i), false), org.assertj.core.data.Offset.offset(2e-6f));
        }
        Path file = tmp.resolve("texts.txt");
        Files.writeString(file, "query: " + texts.get(0) + "\n\nquery: " + texts.get(1) + "\nquery: " + texts.get(2) + "\n");
        float[][] fromFile = embeddings(CommandLineTest.run("embed", "--model", E5.onnx().toString(), "--file", file.toString(), "--batch", "1", "--json"));
        assertThat(fromFile).isDeepEqualTo(got);
    }

    @Test
    void poolingComesFromTheFlagOrTheModelsPoolingConfig() throws Exception {
        String text = "passage: Paris is the capital of France.";
        float[] cls = expected(text, true);
        float[][] flag = embeddings(CommandLineTest.run("embed", "--model", E5.onnx().toString(), "--pooling", "cls", "--text", text, "--json"));
        assertThat(flag[0]).containsExactly(cls, org.assertj.core.data.Offset.offset(2e-6f));

        Path st = tmp.resolve("st");
        Files.createDirectories(st.resolve("1_Pooling"));
        Files.createSymbolicLink(st.resolve("model.onnx"), E5.onnx());
        Files.createSymbolicLink(st.resolve("tokenizer.json"), E5.dir().resolve("tokenizer.json"));
        Files.writeString(st.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
        float[][] declared = embeddings(CommandLineTest.run("embed", "--model", st.resolve("model.onnx").toString(), "--text", text, "--json"));
        assertThat(declared[0]).containsExactly(cls, org.assertj.core.data.Offset.offset(2e-6f));

        Files.writeString(st.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
        CommandLineTest.Result bad = CommandLineTest.run("embed", "--model", st.resolve("model.onnx").toString(), "--text", text);
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).startsWith("error: ").contains("pooling_mode_max_tokens").doesNotContain("Exception");
        Files.delete(st.resolve("model.onnx")); // links out of @TempDir: remove them before JUnit cleans up
        Files.delete(st.resolve("tokenizer.json"));
    }

    @Test
    void embedAblateReportsAgreementPerConditionAndARerunEmbedsNothing() throws Exception {
        String[] args = {"embed-ablate", "--model", E5.onnx().toString(), "--super-weights", "0:99:856",
                "--pairs", "2", "--condition", "original,prune-sw", "--query-prefix", "query: ", "--passage-prefix", "passage: ",
                "--out", tmp.resolve("ea").toString(), "--store", tmp.resolve("runs.duckdb").toString(), "--json"};
        CommandLineTest.Result r = CommandLineTest.run(args);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("conditions").findValues("embedded")).extracting(JsonNode::asInt).containsExactly(4, 4);
        CommandLineTest.Result again = CommandLineTest.run(args);
        assertThat(again.code()).as(again.err()).isZero();
        JsonNode k = new ObjectMapper().readTree(again.out());
        assertThat(k.get("conditions").findValues("embedded")).extracting(JsonNode::asInt).containsExactly(0, 0);
        assertThat(k.get("conditions").findValues("metrics")).isEqualTo(j.get("conditions").findValues("metrics"));
        assertThat(j.get("texts").asInt()).isEqualTo(4);
        assertThat(j.get("pairs").asInt()).isEqualTo(4);
        JsonNode original = j.get("conditions").get(0).get("metrics"), pruned = j.get("conditions").get(1).get("metrics");
        assertThat(original.get("mean_cosine").asDouble()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(original.get("spearman").asDouble()).isEqualTo(1);
        assertThat(pruned.get("mean_cosine").asDouble()).isLessThan(1 - 1e-6).isGreaterThan(0.9);
        assertThat(Files.exists(tmp.resolve("ea/embed-ablate.json"))).isTrue();
    }

    @Test
    void aDecoderIsRefusedWithOneLine() {
        CommandLineTest.Result r = CommandLineTest.run("embed", "--model", superweight.Fixtures.arch("llama").toString(), "--text", "x");
        assertThat(r.code()).isNotZero();
        assertThat(r.err().strip()).startsWith("error: ").contains("needs an encoder").doesNotContain("\n");
    }
}
