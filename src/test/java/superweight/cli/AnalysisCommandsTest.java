package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.engine.WeightEdit;
import superweight.eval.DataDirs;
import superweight.eval.EncodedPair;
import superweight.eval.Request;
import superweight.eval.RequestEncoder;
import superweight.eval.TaskItem;
import superweight.eval.TaskSpec;
import superweight.eval.Tasks;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.Linear;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The analysis commands end to end on the planted fixture (exit codes, JSON, files, one-line errors). */
class AnalysisCommandsTest {
    static final Path PLANTED = Fixtures.shared().resolve("fixtures/planted");
    static final String MODEL = PLANTED.resolve("model-f32.gguf").toString();
    static final int[] TOKENS = Fixtures.ints(Fixtures.json(PLANTED.resolve("tokens.json")));
    static final String IDS = String.join(",", Arrays.stream(TOKENS).mapToObj(String::valueOf).toList());
    static final int VOCAB = 320;

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * lm-eval's acc computed here: the share of the first {@code items} items whose gold choice has the highest
     * log-likelihood, each choice from its own full pass (no BOS, as lm-eval 0.4.3 for a llama model).
     */
    static double referenceAccuracy(String task, int items, Interventions iv) {
        Model m = ModelLoader.load(Path.of(MODEL));
        try {
            TaskSpec spec = Tasks.get(task);
            List<JsonNode> docs = Tasks.documents(spec, DataDirs.of(null));
            RequestEncoder enc = new RequestEncoder(Tokenizers.load(Path.of(MODEL)), false, m.config().contextLength());
            Transformer t = new Transformer(m);
            int correct = 0;
            for (int i = 0; i < items; i++) {
                TaskItem item = spec.item(i, docs.get(i));
                int best = -1;
                double bestLl = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < item.requests().size(); c++) {
                    Request r = item.requests().get(c);
                    double ll = logLikelihood(t, enc.encode(r.context(), r.continuation()), iv);
                    if (ll > bestLl) {
                        bestLl = ll;
                        best = c;
                    }
                }
                if (best == item.gold()) correct++;
            }
            return (double) correct / items;
        } finally {
            m.checkpoint().close();
        }
    }

    /** Sum of log p(continuation token | everything before it) from one full pass, log-softmax in double. */
    private static double logLikelihood(Transformer t, EncodedPair p, Interventions iv) {
        int[] input = Arrays.copyOf(p.tokens(), p.tokens().length - 1);
        float[] logits = t.logits(input, Taps.NONE, iv);
        int v = t.model().config().vocabSize();
        double ll = 0;
        for (int j = p.firstScoredPosition(); j < input.length; j++) {
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int k = 0; k < v; k++) max = Math.max(max, logits[j * v + k]);
            for (int k = 0; k < v; k++) z += Math.exp(logits[j * v + k] - max);
            ll += logits[j * v + p.tokens()[j + 1]] - max - Math.log(z);
        }
        return ll;
    }

    static double referencePerplexity(String file) {
        return perplexity(Fixtures.floats(PLANTED.resolve(file)));
    }

    /** exp(mean NLL of tokens 2..n) of the fixture's tokens under logits [position][vocab], computed here directly. */
    static double perplexity(float[] logits) {
        double nll = 0;
        for (int i = 0; i + 1 < TOKENS.length; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < VOCAB; v++) max = Math.max(max, logits[i * VOCAB + v]);
            for (int v = 0; v < VOCAB; v++) sum += Math.exp(logits[i * VOCAB + v] - max);
            nll -= logits[i * VOCAB + TOKENS[i + 1]] - max - Math.log(sum);
        }
        return Math.exp(nll / (TOKENS.length - 1));
    }

    @Test
    void detectFindsThePlantedWeightAndWritesJsonAndPlots() throws Exception {
        Path out = tmp.resolve("detect");
        Run r = run("detect", "--model", MODEL, "--tokens", IDS, "--out", out.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = r.json();
        JsonNode truth = Fixtures.json(PLANTED.resolve("truth.json"));
        assertThat(j.get("super_weights")).hasSize(1);
        JsonNode sw = j.get("super_weights").get(0);
        assertThat(List.of(sw.get("layer").asInt(), sw.get("row").asInt(), sw.get("col").asInt()))
                .containsExactly(truth.get("layer").asInt(), truth.get("row").asInt(), truth.get("col").asInt());
        assertThat(j.get("super_activations").get(0).get("value").asDouble())
                .isCloseTo(truth.get("super_activation").get("down_proj_output_value").asDouble(), within(1e-3));
        assertThat(j.get("per_layer")).hasSize(3);
        assertThat(j.get("per_layer").get(1).get("max_in_channel").asInt()).isEqualTo(121);
        assertThat(j.get("catalog").get("catalogued").asBoolean()).isFalse();
        for (String f : List.of("detect.json", "layer-maxima-input.png", "layer-maxima-input.svg", "layer-maxima-output.png", "layer-maxima-output.svg")) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        byte[] png = Files.readAllBytes(out.resolve("layer-maxima-output.png"));
        assertThat(Arrays.copyOf(png, 4)).containsExactly(0x89, 'P', 'N', 'G');
        assertThat(Files.readString(out.resolve("layer-maxima-output.svg"))).contains("<svg").contains("per layer");
        assertThat(new ObjectMapper().readTree(out.resolve("detect.json").toFile()).get("super_weights")).isEqualTo(j.get("super_weights"));
    }

    @Test
    void detectComparesWithTheCatalogEntryOfTheGivenModelId() throws Exception {
        Run r = run("detect", "--model", MODEL, "--tokens", IDS, "--model-id", "huggyllama/llama-7b", "--out", tmp.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode c = r.json().get("catalog");
        assertThat(c.get("model_id").asText()).isEqualTo("huggyllama/llama-7b");
        assertThat(c.get("agrees").asBoolean()).isFalse();
        assertThat(c.get("missed").get(0).get("row").asInt()).isEqualTo(3968);
        assertThat(c.get("extra").get(0).get("row").asInt()).isEqualTo(27);
        Run text = run("detect", "--model", MODEL, "--tokens", IDS, "--model-id", "huggyllama/llama-7b", "--out", tmp.toString());
        assertThat(text.out()).contains("differs from the catalog entry for huggyllama/llama-7b");
    }

    @Test
    void detectReportsEveryCandidateWithItsEvidenceUnderTheChosenRule() throws Exception {
        for (String rule : List.of("evidence", "paper", "relative")) {
            Run r = run("detect", "--model", MODEL, "--tokens", IDS, "--rule", rule, "--out", tmp.toString(), "--json");
            assertThat(r.code()).as(rule + ": " + r.err()).isZero();
            JsonNode j = r.json();
            assertThat(j.get("rule").asText()).startsWith(rule);
            JsonNode c = j.get("candidates").get(0);
            assertThat(List.of(c.get("layer").asInt(), c.get("row").asInt(), c.get("col").asInt())).containsExactly(1, 27, 121);
            assertThat(c.get("class").asText()).isEqualTo("super weight");
            assertThat(c.get("same_token").asBoolean()).isTrue();
            assertThat(c.get("persistence").asDouble()).isEqualTo(1.0);
            // truth.json: residual channel 27 at position 0 after layers 1 and 2 carries the super activation
            JsonNode after = Fixtures.json(PLANTED.resolve("truth.json")).get("super_activation").get("residual_after_layer");
            assertThat(c.get("residual")).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(c.get("residual").get(i).get("original").asDouble()).isCloseTo(after.get(i).get("residual_value").asDouble(), within(1e-2));
                assertThat(Math.abs(c.get("residual").get(i).get("zeroed").asDouble())).isLessThan(after.get(i).get("max_abs_other_residual").asDouble());
            }
            assertThat(j.get("super_weights")).hasSize(1);
        }
        Run text = run("detect", "--model", MODEL, "--tokens", IDS, "--out", tmp.toString());
        assertThat(text.out()).contains("rule evidence").contains("super weight").contains("persistence").contains("in/median");
    }

    @Test
    void ablationsUseTheCatalogForCataloguedModelsAndSaySo() throws Exception {
        Run detected = run("case-study", "--model", MODEL, "--tokens", IDS, "--detect-tokens", IDS, "--out", tmp.toString(), "--json");
        assertThat(detected.code()).as(detected.err()).isZero();
        assertThat(detected.json().get("super_weights_source").asText()).startsWith("auto: not in the catalog, detection, rule evidence");
        Run text = run("case-study", "--model", MODEL, "--tokens", IDS, "--detect-tokens", IDS, "--out", tmp.toString());
        assertThat(text.out()).contains("super weights (1, 27, 121) from auto: not in the catalog, detection");
        // named as Llama-2-7B, the default takes the published coordinates (which do not fit this tiny model)
        Run catalogued = run("case-study", "--model", MODEL, "--tokens", IDS, "--model-id", "meta-llama/Llama-2-7b-hf", "--out", tmp.toString());
        assertThat(catalogued.code()).isEqualTo(1);
        assertThat(catalogued.err()).contains("(1, 2533, 7890)").contains("outside the down_proj");
        Run given = run("case-study", "--model", MODEL, "--tokens", IDS, "--super-weights", "1:27:121", "--out", tmp.toString(), "--json");
        assertThat(given.json().get("super_weights_source").asText()).isEqualTo("--super-weights");
    }

    @Test
    void ablateNamesTheRuleOfEveryPruningCondition() throws Exception {
        Run r = run("ablate", "--model", MODEL, "--super-weights", "1:27:121", "--no-store", "--ppl-tokens", IDS, "--window", "32",
                "--condition", "prune-non-sw,prune-non-sw:5,prune-non-sw-per-tensor:0.001:0-1", "--out", tmp.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = r.json().get("conditions");
        assertThat(rows.get(0).get("condition").asText()).isEqualTo("prune-non-sw-per-tensor:1.0E-6:0-31");
        assertThat(rows.get(0).get("rule").asText()).contains("per tensor").contains("layers 0-31");
        assertThat(rows.get(0).get("weight_edits").asInt()).isZero();   // int(numel * 1e-6) = 0 on this tiny model
        assertThat(rows.get(1).get("rule").asText()).startsWith("global");
        assertThat(rows.get(2).get("note").asText()).isEqualTo("not pruned in this 3-layer model: layer 2");
        Run text = run("ablate", "--model", MODEL, "--super-weights", "1:27:121", "--no-store", "--ppl-tokens", IDS, "--window", "32",
                "--condition", "prune-non-sw:5", "--out", tmp.toString());
        assertThat(text.out()).contains("prune-non-sw:5: global: the 5 largest |w|");
    }

    @Test
    void catalogListsThePublishedTable() throws Exception {
        Run r = run("catalog", "--json");
        assertThat(r.code()).isZero();
        JsonNode models = r.json().get("models");
        assertThat(models).hasSize(12);
        JsonNode mistral = null;
        for (JsonNode m : models) if (m.get("id").asText().equals("mistralai/Mistral-7B-v0.1")) mistral = m;
        assertThat(mistral).isNotNull();
        assertThat(mistral.get("super_weights").get(0).get("col").asInt()).isEqualTo(7310);
        String text = run("catalog").out();
        assertThat(text).contains("huggyllama/llama-7b").contains("3968").contains("7003").contains("variant of (2, 1764, 8041)")
                .contains("mengxiayu/LLMSuperWeight").contains("inferred");
    }

    @Test
    void ablateReportsEachConditionsPerplexityLikeTheReferenceLogits() throws Exception {
        Run r = run("ablate", "--model", MODEL, "--detect-tokens", IDS, "--ppl-tokens", IDS, "--window", "32",
                "--condition", "original,prune-sw", "--condition", "prune-sw-restore-sa", "--condition", "prune-non-sw:3",
                "--out", tmp.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode rows = r.json().get("conditions");
        assertThat(rows).hasSize(4);
        double original = rows.get(0).get("metrics").get("ppl:tokens").asDouble();
        double pruned = rows.get(1).get("metrics").get("ppl:tokens").asDouble();
        assertThat(original).isCloseTo(referencePerplexity("logits.f32"), within(1e-3 * original));
        assertThat(pruned).isCloseTo(referencePerplexity("logits-zeroed.f32"), within(1e-3 * pruned));
        assertThat(rows.get(2).get("metrics").get("ppl:tokens").asDouble()).isCloseTo(original, within(1e-2 * original));
        assertThat(rows.get(3).get("weight_edits").asInt()).isEqualTo(3);
        assertThat(tmp.resolve("ablate.json")).isRegularFile();
    }

    @Test
    void ablateEvaluatesTextPerplexityAndTasksThroughTheEvalPackage() throws Exception {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "The quick brown fox jumps over the lazy dog. ".repeat(20));
        Run ppl = run("ppl", "--model", MODEL, "--dataset", text.toString(), "--ctx", "32", "--no-store", "--json");
        assertThat(ppl.code()).as(ppl.err()).isZero();
        Run r = run("ablate", "--model", MODEL, "--super-weights", "1:27:121", "--condition", "original,prune-sw",
                "--ppl", text.toString(), "--ctx", "32", "--tasks", "arc_easy", "--limit", "3", "--no-store",
                "--out", tmp.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode original = r.json().get("conditions").get(0).get("metrics"), pruned = r.json().get("conditions").get(1).get("metrics");
        String key = "ppl:" + text;
        assertThat(original.get(key).asDouble()).isCloseTo(ppl.json().get("ppl").asDouble(), within(1e-9));
        assertThat(pruned.get(key).asDouble()).isNotCloseTo(original.get(key).asDouble(), within(1e-6));
        assertThat(original.get("acc:arc_easy").asDouble()).isEqualTo(referenceAccuracy("arc_easy", 3, Interventions.NONE));
        assertThat(pruned.get("acc:arc_easy").asDouble())
                .isEqualTo(referenceAccuracy("arc_easy", 3, Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 27, 121)))));
        for (JsonNode m : List.of(original, pruned)) {
            assertThat(m.get("acc:avg").asDouble()).isEqualTo(m.get("acc:arc_easy").asDouble());
            assertThat(m.has("acc_norm:arc_easy")).isTrue();
        }
    }

    @Test
    void sweepEvaluatesEveryFactorAndPlots() throws Exception {
        Run r = run("sweep", "--model", MODEL, "--super-weights", "1:27:121", "--no-store", "--ppl-tokens", IDS, "--factors", "0,1,2", "--out", tmp.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode pts = r.json().get("points");
        assertThat(pts).hasSize(3);
        assertThat(pts.get(0).get("metrics").get("ppl:tokens").asDouble()).isCloseTo(referencePerplexity("logits-zeroed.f32"), within(0.5));
        assertThat(pts.get(1).get("metrics").get("ppl:tokens").asDouble()).isCloseTo(referencePerplexity("logits.f32"), within(0.5));
        assertThat(tmp.resolve("sweep-perplexity.png")).isRegularFile();
        assertThat(tmp.resolve("sweep-perplexity.svg")).isRegularFile();
    }

    @Test
    void caseStudyRanksTheReferenceArgmaxFirst() throws Exception {
        Run r = run("case-study", "--model", MODEL, "--super-weights", "catalog", "--model-id", "x", "--tokens", IDS, "--out", tmp.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no catalog entry for 'x'");
        r = run("case-study", "--model", MODEL, "--super-weights", "1:27:121", "--tokens", IDS, "--top-k", "3", "--out", tmp.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        float[] ref = Fixtures.floats(PLANTED.resolve("logits.f32")), zeroed = Fixtures.floats(PLANTED.resolve("logits-zeroed.f32"));
        int last = TOKENS.length - 1, best = 0, bestZeroed = 0;
        for (int v = 1; v < VOCAB; v++) {
            if (ref[last * VOCAB + v] > ref[last * VOCAB + best]) best = v;
            if (zeroed[last * VOCAB + v] > zeroed[last * VOCAB + bestZeroed]) bestZeroed = v;
        }
        assertThat(r.json().get("original").get(0).get("token").asInt()).isEqualTo(best);
        assertThat(r.json().get("changed").get(0).get("token").asInt()).isEqualTo(bestZeroed);
        assertThat(r.json().get("original")).hasSize(3);
    }

    @Test
    void tokenShiftAndCharacterizeReadPromptsFromFiles() throws Exception {
        Path ids = tmp.resolve("prompts.txt");
        Files.writeString(ids, IDS + "\n\n1 5 6 7 8 9\n");
        Run r = run("token-shift", "--model", MODEL, "--super-weights", "1:27:121", "--tokens-file", ids.toString(), "--top", "4",
                "--out", tmp.resolve("ts").toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().get("prompts").asInt()).isEqualTo(2);
        assertThat(r.json().get("top_before")).hasSize(4);
        assertThat(tmp.resolve("ts/token-shift.png")).isRegularFile();

        Path jsonl = tmp.resolve("lambada.jsonl");
        Files.writeString(jsonl, "{\"text\": \"the cat sat on the mat\"}\n{\"text\": \"a b c\"}\n{\"text\": \"one two\"}\n");
        r = run("token-shift", "--model", MODEL, "--super-weights", "1:27:121", "--data", jsonl.toString(), "--prompts", "2",
                "--out", tmp.resolve("ts2").toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().get("prompts").asInt()).isEqualTo(2);

        r = run("characterize", "--model", MODEL, "--detect-tokens", IDS, "--tokens-file", ids.toString(), "--out", tmp.resolve("ch").toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode s = r.json().get("summaries").get(0);
        assertThat(s.get("channel").asInt()).isEqualTo(27);
        assertThat(s.get("same_channel").asBoolean()).isTrue();
        assertThat(s.get("positions").get("0").asInt()).isEqualTo(2);
        // the heatmap of channels 19..35 x positions of the first prompt: the brightest cell is channel 27, position 0
        String svg = Files.readString(tmp.resolve("ch/activation-heatmap.svg"));
        assertThat(tmp.resolve("ch/activation-heatmap.png")).isRegularFile();
        List<String> fills = new ArrayList<>();
        Matcher cell = Pattern.compile("<rect class=\"cell\" [^>]*fill=\"(#[0-9a-f]{6})\"").matcher(svg);
        while (cell.find()) fills.add(cell.group(1));
        int columns = fills.size() / 17;
        assertThat(fills).hasSize(17 * columns);
        // viridis brightens monotonically in green: the largest |value| has the greenest cell
        int brightest = 0;
        for (int i = 1; i < fills.size(); i++) if (green(fills.get(i)) > green(fills.get(brightest))) brightest = i;
        assertThat(brightest).isEqualTo(8 * columns);
    }

    private static int green(String hex) {
        return Integer.parseInt(hex.substring(3, 5), 16);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown condition      | ablate --condition original,bogus --ppl-tokens 1,2,3   | unknown condition 'bogus'",
            "bad factor list        | sweep --factors 0,abc --ppl-tokens 1,2,3               | factor list '0,abc'",
            "nothing to evaluate    | ablate --super-weights 1:27:121                        | nothing to evaluate",
            "bad super weight list  | ablate --super-weights 1:27 --ppl-tokens 1,2,3          | --super-weights '1:27'",
            "super weight outside   | case-study --super-weights 9:27:121 --tokens 1,2       | outside the down_proj",
            "token outside vocab    | detect --tokens 1,999                                  | token id 999",
            "bad threshold          | detect --tokens 1,2 --threshold -5                     | --threshold",
            "bad top-k              | case-study --super-weights 1:27:121 --tokens 1 --top-k 0 | --top-k 0",
            "missing lambada file   | token-shift --super-weights 1:27:121 --data /nonexistent.jsonl | /nonexistent.jsonl",
            "unknown task           | ablate --super-weights 1:27:121 --tasks arc_easy,nope   | unknown task 'nope'",
            "bad ppl style          | sweep --super-weights 1:27:121 --ppl wikitext2 --ppl-style x | --ppl-style x",
    })
    void badInputIsAOneLineError(String name, String args, String message) {
        List<String> a = new ArrayList<>(List.of(args.trim().split("\\s+")));
        a.add(1, "--model");
        a.add(2, MODEL);
        a.addAll(List.of("--out", tmp.toString()));
        Run r = run(a.toArray(String[]::new));
        assertThat(r.code()).as(name).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: ").contains(message).doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void aCheckpointWithoutTokenizerNeedsTokenIds() {
        String bin = Fixtures.shared().resolve("models/llama2c-260k/model.bin").toString();
        Run r = run("detect", "--model", bin, "--out", tmp.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).contains("carries no tokenizer").doesNotContain("\n");
        Run ok = run("detect", "--model", bin, "--tokens", "1,20,30,40", "--out", tmp.toString(), "--json");
        assertThat(ok.code()).as(ok.err()).isZero();
    }
}
