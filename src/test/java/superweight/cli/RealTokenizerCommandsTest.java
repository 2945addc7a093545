package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * ppl through the command line with a GGUF's own SentencePiece tokenizer (not the byte test tokenizer the other
 * command tests use; the llama2.c GGUF's vocabulary is llama.cpp's placeholder, so the perplexity itself means
 * nothing), against a perplexity computed here directly from full forward passes: the CLI must tokenize, place
 * BOS and cut GPTQ windows exactly so.
 */
class RealTokenizerCommandsTest {
    static final Path MODEL = Fixtures.shared().resolve("models/llama2c-260k/model.gguf");

    @TempDir
    Path tmp;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new String[]{String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void pplMatchesADirectComputationOverTheSameWindows() throws Exception {
        Path text = tmp.resolve("story.txt");
        Files.writeString(text, ("Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. "
                + "One day, she saw a big red ball in the park. ").repeat(3));
        String[] r = run("ppl", "--model", MODEL.toString(), "--dataset", text.toString(), "--ctx", "48", "--json", "--no-store");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);

        Tokenizer tok = Tokenizers.load(MODEL);
        int[] ids = tok.encode(Files.readString(text), true, false);   // SentencePiece llama: BOS once, at the start
        assertThat(ids[0]).isEqualTo(1);
        Model m = ModelLoader.load(MODEL);
        try {
            Transformer t = new Transformer(m);
            int vocab = m.config().vocabSize(), ctx = 48, windows = ids.length / ctx;
            double nll = 0;
            for (int w = 0; w < windows; w++) {
                int[] win = Arrays.copyOfRange(ids, w * ctx, (w + 1) * ctx);
                float[] logits = t.logits(win);
                for (int p = 0; p + 1 < ctx; p++) {
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int v = 0; v < vocab; v++) max = Math.max(max, logits[p * vocab + v]);
                    for (int v = 0; v < vocab; v++) sum += Math.exp(logits[p * vocab + v] - max);
                    nll -= logits[p * vocab + win[p + 1]] - max - Math.log(sum);
                }
            }
            double ppl = Math.exp(nll / (windows * (ctx - 1.0)));
            assertThat(json.get("windows").asInt()).isEqualTo(windows);
            assertThat(json.get("ppl").asDouble()).isCloseTo(ppl, within(1e-4 * ppl));
        } finally {
            m.checkpoint().close();
        }
    }

    /**
     * eval through the command line with the GGUF's own tokenizer: every choice's log-likelihood and is-greedy in the
     * sample log, and acc/acc_norm, recomputed here from full forward passes as lm-eval 0.4.3 builds the requests
     * (context "Question: ...\nAnswer:", continuation " " + choice; whole and context encoded without BOS, the
     * continuation = the whole's tokens after the context's; inputs left-truncated to max_length + 1 = 129).
     */
    @Test
    void evalLogLikelihoodsMatchADirectComputation() throws Exception {
        ModelTokenizer.loader = Tokenizers::load;
        Path samples = tmp.resolve("samples");
        String[] r = run("eval", "--model", MODEL.toString(), "--tasks", "arc_easy", "--limit", "3", "--json", "--no-store",
                "--log-samples", samples.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        ObjectMapper json = new ObjectMapper();
        var logged = Files.readAllLines(samples.resolve("samples_arc_easy.jsonl"));
        var docs = Files.readAllLines(Fixtures.shared().resolve("data/arc_easy/ARC-Easy-Test.jsonl")).subList(0, 3);
        assertThat(logged).hasSize(3);
        Tokenizer tok = Tokenizers.load(MODEL);
        Model m = ModelLoader.load(MODEL);
        double acc = 0, accNorm = 0;
        try {
            Transformer t = new Transformer(m);
            int vocab = m.config().vocabSize();
            for (int d = 0; d < 3; d++) {
                JsonNode doc = json.readTree(docs.get(d)), question = doc.get("question");
                String context = "Question: " + question.get("stem").asText() + "\nAnswer:";
                JsonNode sample = json.readTree(logged.get(d));
                int gold = -1, best = 0, bestNorm = 0;
                double bestLl = Double.NEGATIVE_INFINITY, bestNormLl = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < question.get("choices").size(); c++) {
                    JsonNode choice = question.get("choices").get(c);
                    if (choice.get("label").asText().equals(doc.get("answerKey").asText())) gold = c;
                    String text = choice.get("text").asText();
                    int[] ctx = tok.encode(context, false, false), whole = tok.encode(context + " " + text, false, false);
                    int[] all = Arrays.copyOfRange(whole, Math.max(0, whole.length - 129), whole.length);
                    int contLen = whole.length - ctx.length;
                    float[] logits = t.logits(Arrays.copyOf(all, all.length - 1));
                    double ll = 0;
                    boolean greedy = true;
                    for (int p = all.length - 1 - contLen; p < all.length - 1; p++) {
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        int argmax = 0;
                        for (int v = 0; v < vocab; v++) {
                            if (logits[p * vocab + v] > max) {
                                max = logits[p * vocab + v];
                                argmax = v;
                            }
                        }
                        for (int v = 0; v < vocab; v++) sum += Math.exp(logits[p * vocab + v] - max);
                        ll += logits[p * vocab + all[p + 1]] - max - Math.log(sum);
                        greedy &= argmax == all[p + 1];
                    }
                    JsonNode resp = sample.get("filtered_resps").get(c);
                    assertThat(Double.parseDouble(resp.get(0).asText())).as("doc %d choice %d", d, c).isCloseTo(ll, within(1e-3));
                    assertThat(resp.get(1).asText()).isEqualTo(greedy ? "True" : "False");
                    if (ll > bestLl) {
                        bestLl = ll;
                        best = c;
                    }
                    if (ll / text.length() > bestNormLl) {
                        bestNormLl = ll / text.length();
                        bestNorm = c;
                    }
                }
                assertThat(sample.get("target").asInt()).isEqualTo(gold);
                acc += best == gold ? 1 : 0;
                accNorm += bestNorm == gold ? 1 : 0;
            }
        } finally {
            m.checkpoint().close();
        }
        JsonNode arc = json.readTree(r[1]).get("results").get("arc_easy");
        assertThat(arc.get("acc,none").asDouble()).isEqualTo(acc / 3);
        assertThat(arc.get("acc_norm,none").asDouble()).isEqualTo(accNorm / 3);
    }
}
