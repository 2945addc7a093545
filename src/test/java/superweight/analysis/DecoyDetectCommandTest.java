package superweight.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.cli.Main;
import superweight.export.ModelExport;
import superweight.model.Model;
import superweight.model.tensor.GgmlType;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * detect as a user runs it, on the decoy model of {@link SuperWeightDetectorTest} written as a GGUF file: the JSON
 * carries each candidate's evidence and class, the default rule counts only the real super weight (1, 20, 10), and
 * {@code --rule paper} counts the late-layer decoy (3, 7, 40) too. The expected coordinates are where
 * {@link TinyModels} plants them; the share 1/16 is one of the decoy's 16 equal products.
 */
class DecoyDetectCommandTest {
    @TempDir
    Path tmp;

    private JsonNode detect(Path gguf, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("detect", "--model", gguf.toString(), "--tokens", "1,9,5,17,22,30,8,11",
                "--json", "--out", tmp.resolve("out").toString()));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        return new ObjectMapper().readTree(out.toString());
    }

    private static List<String> coordinates(JsonNode weights) {
        List<String> r = new ArrayList<>();
        weights.forEach(w -> r.add(w.get("layer").asInt() + ":" + w.get("row").asInt() + ":" + w.get("col").asInt()));
        return r;
    }

    @Test
    void theDefaultRuleCountsTheSuperWeightAndClassifiesTheDecoyWhilePaperCountsBoth() throws Exception {
        Model m = SuperWeightDetectorTest.withDecoy(3);
        Path gguf = tmp.resolve("decoy.gguf");
        ModelExport.toGguf(m, gguf, ModelExport.GgufPlan.uniform(GgmlType.F32));

        JsonNode evidence = detect(gguf);
        assertThat(evidence.get("rule").asText()).startsWith("evidence");
        assertThat(coordinates(evidence.get("super_weights"))).containsExactly("1:20:10");
        JsonNode decoy = null, real = null;
        for (JsonNode c : evidence.get("candidates")) {
            String at = c.get("layer").asInt() + ":" + c.get("row").asInt() + ":" + c.get("col").asInt();
            if (at.equals("3:7:40")) decoy = c;
            if (at.equals("1:20:10")) real = c;
        }
        assertThat(decoy).as("the decoy is reported as a candidate").isNotNull();
        assertThat(decoy.get("class").asText()).isEqualTo("late-layer spike");
        assertThat(decoy.get("same_token").asBoolean()).isTrue();
        assertThat(decoy.get("max_in_position").asInt()).isEqualTo(2);   // token 5 is the prompt's third
        assertThat(decoy.get("explained_share").asDouble()).isCloseTo(1.0 / 16, within(0.01));
        assertThat(decoy.get("persistence").asDouble()).isZero();
        assertThat(real.get("class").asText()).isEqualTo("super weight");
        assertThat(real.get("persistence").asDouble()).isEqualTo(1.0);

        JsonNode paper = detect(gguf, "--rule", "paper");
        assertThat(coordinates(paper.get("super_weights"))).containsExactlyInAnyOrder("1:20:10", "3:7:40");
    }
}
