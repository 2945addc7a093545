package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import superweight.Fixtures;
import superweight.analysis.DemoModel;
import superweight.analysis.DemoTokenizer;
import superweight.engine.Interventions;
import superweight.engine.LogProbs;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static superweight.cli.AnalysisCommandsTest.run;

class ReportCommandTest {
    static final List<String> FIGURES = List.of("layer-maxima-input", "layer-maxima-output", "activation-heatmap", "scaling", "token-shift", "quant-block-size");
    static final List<String> SECTIONS = List.of("run", "detection", "catalog", "activations", "ablation", "scaling", "token-shift", "case-study",
            "quantization", "not-covered");

    @TempDir
    static Path demoDir;
    static String html;
    static JsonNode results;

    @BeforeAll
    static void demoReport() throws Exception {
        AnalysisCommandsTest.Run r = run("report", "--out", demoDir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        html = Files.readString(demoDir.resolve("report.html"));
        results = new ObjectMapper().readTree(demoDir.resolve("results.json").toFile());
    }

    /** The page as XML (the writer emits well-formed XHTML-compatible HTML so a strict parser can check it). */
    static Document parse(String page) throws Exception {
        String xml = page.replaceFirst("<!DOCTYPE html>", "");
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void demoWritesEveryFileAndAWellFormedPageWithAllSections() throws Exception {
        for (String f : FIGURES) {
            assertThat(demoDir.resolve(f + ".png")).isNotEmptyFile();
            assertThat(demoDir.resolve(f + ".svg")).isNotEmptyFile();
        }
        Document d = parse(html);
        List<String> ids = new ArrayList<>();
        NodeList sections = d.getElementsByTagName("section");
        for (int i = 0; i < sections.getLength(); i++) ids.add(((Element) sections.item(i)).getAttribute("id"));
        assertThat(ids).containsExactlyElementsOf(SECTIONS);
        assertThat(d.getElementsByTagName("svg").getLength()).isEqualTo(FIGURES.size());
        // self-contained: nothing to fetch (the SVG namespace is a name, not a download)
        assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("<script", "http:", "https:", "<link", "<img", "url(");
    }

    @Test
    void theInlineFiguresAreTheSvgFiles() throws Exception {
        for (String f : FIGURES) assertThat(html).contains(Files.readString(demoDir.resolve(f + ".svg")));
    }

    @Test
    void demoFindsThePlantedSuperWeightAndSaysItIsSynthetic() {
        // planted by DemoModel at layer 1, row 27, col 93
        JsonNode sw = results.get("detection").get("super_weights");
        assertThat(sw).hasSize(1);
        assertThat(List.of(sw.get(0).get("layer").asInt(), sw.get(0).get("row").asInt(), sw.get(0).get("col").asInt())).containsExactly(1, 27, 93);
        // the super activation is W_down[27, 93] * X[0, 93] (the planted weight 4 times the input spike) at the BOS position,
        // and zeroing the weight leaves the layer's output small
        JsonNode act = results.get("detection").get("super_activations").get(0);
        double spike = results.get("detection").get("per_layer").get(1).get("max_in").asDouble();
        assertThat(act.get("position").asInt()).isZero();
        assertThat(act.get("value").asDouble()).isCloseTo(4 * spike, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(Math.abs(results.get("detection").get("per_layer_after").get(1).get("max_out").asDouble())).isLessThan(1);
        assertThat(results.get("characterization").get(0).get("layer_maximum_count").asInt()).isEqualTo(8);
        assertThat(results.get("synthetic").asBoolean()).isTrue();
        assertThat(html).contains("SYNTHETIC MODEL", "not the paper's effect", "524 to 516", "arXiv 2411.07191");
        assertThat(html.split("class=\"note\"").length - 1).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theNumbersInTheTablesAreTheNumbersInResultsJson() throws Exception {
        Document d = parse(html);
        List<List<String>> ablation = rows(d, "ablation");
        JsonNode rows = results.get("ablation");
        assertThat(ablation).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(ablation.get(i).getFirst()).isEqualTo(rows.get(i).get("condition").asText());
            assertThat(Double.parseDouble(ablation.get(i).get(3))).isCloseTo(rows.get(i).get("ppl").asDouble(), org.assertj.core.data.Percentage.withPercentage(0.1));
            // then acc per task (piqa, arc_easy, lambada_openai) and their mean
            List<String> accs = ablation.get(i).subList(4, 8);
            JsonNode zs = rows.get(i).get("zero_shot");
            assertThat(Double.parseDouble(accs.get(0))).isCloseTo(zs.get("piqa").get("acc").asDouble(), within(1e-3));
            assertThat(Double.parseDouble(accs.get(1))).isCloseTo(zs.get("arc_easy").get("acc").asDouble(), within(1e-3));
            assertThat(Double.parseDouble(accs.get(2))).isCloseTo(zs.get("lambada_openai").get("acc").asDouble(), within(1e-3));
            assertThat(Double.parseDouble(accs.get(3))).isCloseTo((zs.get("piqa").get("acc").asDouble() + zs.get("arc_easy").get("acc").asDouble()
                    + zs.get("lambada_openai").get("acc").asDouble()) / 3, within(1e-3));
        }
        List<List<String>> quant = rows(d, "quantization");
        assertThat(quant).hasSize(results.get("quantization").size()).hasSize(6);
        for (int i = 0; i < quant.size(); i++) {
            assertThat(Double.parseDouble(quant.get(i).get(2))).isCloseTo(results.get("quantization").get(i).get("ppl").asDouble(), org.assertj.core.data.Percentage.withPercentage(0.1));
        }
        // random tokens under a near-uniform random model: perplexity close to the vocabulary size (332)
        assertThat(rows.get(0).get("ppl").asDouble()).isBetween(250.0, 500.0);
    }

    static final Model DEMO = DemoModel.build(0);
    static final DemoTokenizer TOK = DemoModel.tokenizer();
    static final Interventions PRUNED = Interventions.of(List.of(WeightEdit.zero(DemoModel.LAYER, Linear.DOWN, DemoModel.ROW, DemoModel.COL)));

    /** lm-eval's log-likelihood of a continuation, by one full pass over BOS + context + continuation (no eval package involved). */
    static double loglikelihood(Interventions iv, String ctx, String cont) {
        int[] c = TOK.encode(ctx, true, false), all = TOK.encode(ctx + cont, true, false);
        assertThat(Arrays.copyOf(all, c.length)).as("the context's tokens are a prefix").containsExactly(c);
        assertThat(all.length).as("no truncation needed").isLessThanOrEqualTo(DemoModel.CONTEXT);
        float[] logits = new Transformer(DEMO).logits(all, Taps.NONE, iv);
        double ll = 0;
        for (int i = c.length; i < all.length; i++) ll += LogProbs.logProb(logits, (i - 1) * DemoModel.VOCAB, DemoModel.VOCAB, all[i]);
        return ll;
    }

    @Test
    void piqaAccuracyOfTheAblationIsLmEvalsOnTheFirstTwentyItems() throws Exception {
        Path dir = Fixtures.shared().resolve("data/piqa");
        List<String> docs = Files.readAllLines(dir.resolve("valid.jsonl")), labels = Files.readAllLines(dir.resolve("valid-labels.lst"));
        ObjectMapper json = new ObjectMapper();
        for (int row : new int[]{0, 1}) {
            Interventions iv = row == 0 ? Interventions.NONE : PRUNED;
            int correct = 0;
            for (int i = 0; i < 20; i++) {
                JsonNode d = json.readTree(docs.get(i));
                String ctx = "Question: " + d.get("goal").asText() + "\nAnswer:";
                double ll1 = loglikelihood(iv, ctx, " " + d.get("sol1").asText()), ll2 = loglikelihood(iv, ctx, " " + d.get("sol2").asText());
                int predicted = ll2 > ll1 ? 1 : 0;
                if (predicted == Integer.parseInt(labels.get(i).strip())) correct++;
            }
            JsonNode r = results.get("ablation").get(row);
            assertThat(r.get("condition").asText()).isEqualTo(row == 0 ? "original" : "prune-sw");
            assertThat(r.get("zero_shot").get("piqa").get("acc").asDouble()).isEqualTo(correct / 20.0);
        }
    }

    @Test
    void theStopwordShareIsTheNextTokenMassOnStopwordTokensAveragedOverLambadaPrompts() throws Exception {
        // stopword ids of the demo vocabulary, listed here: every word token, punctuation bytes, the newline byte, and the
        // bytes a/A/i/I, whose text is a stopword (TokenShift matches a token's text, case-insensitive, as for any tokenizer)
        java.util.Set<Integer> stop = new java.util.HashSet<>();
        for (int id = 259; id < DemoModel.VOCAB; id++) stop.add(id);
        for (char c : ".,!?;:'\"-()\naAiI".toCharArray()) stop.add(3 + c);
        List<String> lines = Files.readAllLines(Fixtures.shared().resolve("data/lambada_openai/lambada_test.jsonl"));
        ObjectMapper json = new ObjectMapper();
        for (boolean pruned : new boolean[]{false, true}) {
            double share = 0;
            for (int i = 0; i < 50; i++) {
                String text = json.readTree(lines.get(i)).get("text").asText();
                int[] ids = TOK.encode(text.substring(0, text.lastIndexOf(' ')), true, false);
                if (ids.length > DemoModel.CONTEXT) {   // BOS, then the last tokens that fit
                    int[] cut = new int[DemoModel.CONTEXT];
                    cut[0] = ids[0];
                    System.arraycopy(ids, ids.length - (DemoModel.CONTEXT - 1), cut, 1, DemoModel.CONTEXT - 1);
                    ids = cut;
                }
                float[] logits = new Transformer(DEMO).logits(ids, Taps.NONE, pruned ? PRUNED : Interventions.NONE);
                double[] p = LogProbs.softmax(logits, (ids.length - 1) * DemoModel.VOCAB, DemoModel.VOCAB);
                for (int t : stop) share += p[t] / 50;
            }
            assertThat(results.get("token_shift").get(pruned ? "stopword_share_after" : "stopword_share_before").asDouble()).isCloseTo(share, within(1e-9));
        }
        assertThat(results.get("token_shift").get("prompts").asInt()).isEqualTo(50);
        assertThat(sectionText(parse(html), "token-shift")).contains("50 LAMBADA texts", "noise");
    }

    @Test
    void theCaseStudyListsTheMostLikelyNextTokensOfThePrompt() {
        int[] ids = TOK.encode("Summer is hot. Winter is", true, false);
        JsonNode cs = results.get("case_study");
        assertThat(new ObjectMapper().convertValue(cs.get("tokens"), int[].class)).containsExactly(ids);
        for (boolean pruned : new boolean[]{false, true}) {
            float[] logits = new Transformer(DEMO).logits(ids, Taps.NONE, pruned ? PRUNED : Interventions.NONE);
            int off = (ids.length - 1) * DemoModel.VOCAB;
            double[] p = LogProbs.softmax(logits, off, DemoModel.VOCAB);
            JsonNode top = cs.get(pruned ? "prune-sw" : "original");
            assertThat(top).hasSize(5);
            assertThat(top.get(0).get("token").asInt()).isEqualTo(LogProbs.argmax(logits, off, DemoModel.VOCAB));
            for (JsonNode r : top) assertThat(r.get("probability").asDouble()).isCloseTo(p[r.get("token").asInt()], within(1e-9));
            for (int i = 1; i < 5; i++) assertThat(top.get(i).get("probability").asDouble()).isLessThanOrEqualTo(top.get(i - 1).get("probability").asDouble());
        }
        assertThat(rows(parseUnchecked(html), "case-study")).hasSize(5);
    }

    @Test
    void withoutTheDataTheTextSectionsSaySoAndTheRestRuns(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-data"));
        AnalysisCommandsTest.Run r = run("report", "--out", dir.resolve("r").toString(), "--data-dir", empty.toString(), "--prompts", "2",
                "--ppl-windows", "1", "--ctx", "16", "--scales", "0,1", "--blocks", "64", "--tasks", "piqa");
        assertThat(r.code()).as(r.err()).isZero();
        Document d = parse(Files.readString(dir.resolve("r/report.html")));
        assertThat(sectionText(d, "ablation")).contains("piqa skipped: piqa: data not found");
        assertThat(sectionText(d, "token-shift")).contains("Skipped: lambada_openai: data not found");
        assertThat(rows(d, "case-study")).hasSize(5);
        assertThat(rows(d, "ablation").getFirst()).hasSize(4);
    }

    @Test
    void plantedFixtureReportFindsItsWeightAndIsNotLabelledSynthetic(@TempDir Path dir) throws Exception {
        Path folder = Fixtures.shared().resolve("fixtures/planted"), planted = folder.resolve("model.safetensors");
        JsonNode truth = Fixtures.json(folder.resolve("truth.json"));
        AnalysisCommandsTest.Run r = run("report", "--model", planted.toString(), "--out", dir.toString(), "--prompts", "2",
                "--ppl-windows", "1", "--ctx", "16", "--scales", "0,1", "--blocks", "64");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        JsonNode sw = j.get("detection").get("super_weights").get(0);
        assertThat(List.of(sw.get("layer").asInt(), sw.get("row").asInt(), sw.get("col").asInt()))
                .containsExactly(truth.get("layer").asInt(), truth.get("row").asInt(), truth.get("col").asInt());
        assertThat(j.get("synthetic").asBoolean()).isFalse();
        assertThat(j.get("fingerprint").asText()).doesNotStartWith("synthetic");
        String page = Files.readString(dir.resolve("report.html"));
        assertThat(page).doesNotContain("SYNTHETIC MODEL").contains(planted.toString());
        // no tokenizer.json beside the safetensors file: the text sections say so instead of failing, and the ablation has no task columns
        assertThat(sectionText(parse(page), "token-shift")).contains("Skipped: " + planted + " has no tokenizer");
        assertThat(sectionText(parse(page), "case-study")).contains("Skipped: " + planted + " has no tokenizer");
        assertThat(rows(parse(page), "ablation").getFirst()).hasSize(4);
        assertThat(j.get("ablation").get(0).has("zero_shot")).isFalse();
    }

    /**
     * A model with a tokenizer gets its perplexity slice from WikiText-2 (not random ids): the report's int4 row must
     * equal the same quantized model's GPTQ-style WikiText-2 perplexity computed through the evaluation package
     * (TextCorpus + the tokenizer + Perplexity windows), window count and length as given.
     */
    @Test
    void aModelWithATokenizerIsMeasuredOnAWikitextSlice(@TempDir Path dir) throws Exception {
        Path gguf = Fixtures.shared().resolve("fixtures/arch/llama/model-f32.gguf");
        AnalysisCommandsTest.Run r = run("report", "--model", gguf.toString(), "--out", dir.toString(), "--prompts", "2",
                "--ppl-windows", "2", "--ctx", "24", "--scales", "0,1", "--blocks", "64", "--tasks", "piqa", "--items", "2",
                "--shift-prompts", "2");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(j.get("perplexity_slice").asText()).contains("the first 2 windows x 24 tokens of WikiText-2 test");
        JsonNode row = j.get("quantization").get(0);
        Model model = superweight.model.ModelLoader.load(gguf);
        superweight.quant.WeightScheme w = new superweight.quant.WeightScheme("int4", superweight.quant.BlockSize.parse("64"),
                superweight.quant.RaggedBlocks.WHOLE, superweight.quant.ClipRule.NONE, Float.NaN, false);
        Model q = superweight.quant.WeightQuantizer.apply(model, w, List.of()).model();
        double expected = superweight.eval.Evaluation.perplexity(q, ModelTokenizer.load(gguf), Interventions.NONE, "wikitext2",
                new superweight.eval.Evaluation.PerplexityOptions(24, superweight.eval.Perplexity.Style.GPTQ, 2, null, null, null, null)).ppl();
        assertThat(row.get("block").asLong()).isEqualTo(64);
        assertThat(row.get("ppl").asDouble()).isEqualTo(expected);
        assertThat(Files.readString(dir.resolve("report.html"))).contains("WikiText-2 slice").doesNotContain("random token ids (seed");
    }

    @Test
    void badOptionsGiveOneLineErrors(@TempDir Path dir) {
        for (String[] args : List.of(new String[]{"report", "--out", dir.toString(), "--ppl-windows", "0"},
                new String[]{"report", "--out", dir.toString(), "--ctx", "100000"},
                new String[]{"report", "--out", dir.toString(), "--blocks", "0"},
                new String[]{"report", "--model", dir.resolve("missing").toString(), "--out", dir.toString()})) {
            AnalysisCommandsTest.Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isNotZero();
            assertThat(r.err().strip()).startsWith("error: ").doesNotContain("\n").doesNotContain("Exception");
        }
    }

    static Document parseUnchecked(String page) {
        try {
            return parse(page);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String sectionText(Document d, String id) {
        NodeList sections = d.getElementsByTagName("section");
        for (int i = 0; i < sections.getLength(); i++) {
            if (((Element) sections.item(i)).getAttribute("id").equals(id)) return sections.item(i).getTextContent();
        }
        throw new AssertionError("no section " + id);
    }

    static List<List<String>> rows(Document d, String tableId) {
        NodeList tables = d.getElementsByTagName("table");
        for (int t = 0; t < tables.getLength(); t++) {
            Element table = (Element) tables.item(t);
            if (!table.getAttribute("id").equals(tableId)) continue;
            List<List<String>> r = new ArrayList<>();
            NodeList trs = table.getElementsByTagName("tr");
            for (int i = 1; i < trs.getLength(); i++) {
                List<String> cells = new ArrayList<>();
                NodeList tds = ((Element) trs.item(i)).getElementsByTagName("td");
                for (int k = 0; k < tds.getLength(); k++) cells.add(tds.item(k).getTextContent());
                r.add(cells);
            }
            return r;
        }
        throw new AssertionError("no table " + tableId);
    }
}
