package superweight.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.E5;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.ModelConfig;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real e5-small-v2 from its ONNX export, read by our own reader and run by {@link Encoder}, against an
 * independent implementation: Microsoft's ONNX runtime on the same file (last hidden state) and langchain4j's
 * embedding model around it (its own tokenizer, mean pooling, normalisation). Max-abs 1e-4, not cosine: a wrong
 * LayerNorm epsilon or GELU variant would pass a cosine check.
 */
class E5SmallV2Test {
    static final List<String> TEXTS = List.of(
            "query: how much protein should a female eat",
            "passage: As a general guideline, the CDC's average requirement of protein for women ages 19 to 70 is 46 grams per day.",
            "Héllo, Wörld! Unbelievably long-winded tokenization: supercalifragilisticexpialidocious, naïve café (2024).");
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(E5.onnx());
    static final Model model = LOADED.model();
    static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizers.load(E5.onnx());
    }

    @Test
    void theConfigurationIsInferredFromTheGraph() {
        ModelConfig c = model.config();
        assertThat(List.of(c.layers(), c.hiddenSize(), c.heads(), c.headDim(), c.intermediateSize(), c.vocabSize(), c.contextLength()))
                .containsExactly(12, 384, 12, 32, 1536, 30522, 512);
        assertThat(c.normEps()).isCloseTo(1e-12, org.assertj.core.data.Offset.offset(1e-18));
        assertThat(c.activation()).isEqualTo(ModelConfig.Activation.GELU_ERF);
        assertThat(ModelLoader.unusedTensors(model)).isEmpty();
    }

    @Test
    void lastHiddenStatesEqualOnnxRuntime() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(E5.onnx().toString(), new OrtSession.SessionOptions())) {
            Encoder encoder = new Encoder(model);
            for (String text : TEXTS) {
                int[] ids = tokenizer.encode(text, true, false);
                float[] ours = encoder.hiddenStates(ids);
                float[] theirs = runtime(env, session, ids);
                assertThat(Fixtures.maxAbsDiff(ours, theirs)).as("max |ours - onnxruntime| for %s", text).isLessThanOrEqualTo(1e-4f);
            }
        }
    }

    static float[] runtime(OrtEnvironment env, OrtSession session, int[] ids) throws Exception {
        long[][] input = {Arrays.stream(ids).asLongStream().toArray()};
        long[][] ones = {new long[ids.length]}, zeros = {new long[ids.length]};
        Arrays.fill(ones[0], 1);
        try (OnnxTensor a = OnnxTensor.createTensor(env, input); OnnxTensor m = OnnxTensor.createTensor(env, ones);
             OnnxTensor t = OnnxTensor.createTensor(env, zeros);
             OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", m, "token_type_ids", t))) {
            float[][] h = ((float[][][]) r.get(0).getValue())[0];
            float[] flat = new float[h.length * h[0].length];
            for (int i = 0; i < h.length; i++) System.arraycopy(h[i], 0, flat, i * h[0].length, h[0].length);
            return flat;
        }
    }

    @Test
    void embeddingsEqualLangchain4j() {
        var reference = new E5SmallV2EmbeddingModel();
        List<int[]> ids = TEXTS.stream().map(t -> tokenizer.encode(t, true, false)).toList();
        List<float[]> ours = new Embedder(model, Pooling.MEAN).embed(ids, 2, Interventions.NONE);
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] theirs = reference.embed(TEXTS.get(i)).content().vector();
            assertThat(Fixtures.maxAbsDiff(ours.get(i), theirs)).as("max |ours - langchain4j| for %s", TEXTS.get(i)).isLessThanOrEqualTo(1e-4f);
        }
    }
}
