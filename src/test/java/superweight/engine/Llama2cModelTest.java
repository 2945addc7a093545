package superweight.engine;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The trained llama2.c 260K checkpoint and its GGUF conversion reproduce the reference logits and greedy ids. */
class Llama2cModelTest {
    static final Path DIR = Fixtures.shared().resolve("models/llama2c-260k");

    @ParameterizedTest
    @ValueSource(strings = {"model.bin", "model.gguf"})
    void logitsAndGreedyContinuations(String file) {
        JsonNode ref = Fixtures.json(DIR.resolve("reference.json"));
        Model m = ModelLoader.load(DIR.resolve(file));
        try {
            Transformer t = new Transformer(m);
            float[] logits = t.logits(Fixtures.ints(ref.get("tokens")));
            assertThat(Fixtures.maxAbsDiff(logits, Fixtures.floats(DIR.resolve("logits.f32")))).isLessThanOrEqualTo(1e-4f);
            Generator g = new Generator(t);
            for (String key : List.of("greedy_from_bos", "greedy_from_prompt")) {
                int[] prompt = Fixtures.ints(ref.get(key).get("prompt"));
                int[] expected = Fixtures.ints(ref.get(key).get("generated"));
                List<Integer> got = g.generate(prompt, expected.length, 0f, 0, -1, Interventions.NONE);
                assertThat(got).as(key).containsExactlyElementsOf(IntStream.of(expected).boxed().toList());
            }
        } finally {
            m.checkpoint().close();
        }
    }
}
