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

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static superweight.cli.AnalysisCommandsTest.run;

class ReportCommandTest {
    static final List<String> FIGURES = List.of("layer-maxima-input", "layer-maxima-output", "activation-heatmap", "scaling", "quant-block-size");
    static final List<String> SECTIONS = List.of("run", "detection", "catalog", "activations", "ablation", "scaling", "quantization", "not-covered");

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
        }
        List<List<String>> quant = rows(d, "quantization");
        assertThat(quant).hasSize(results.get("quantization").size()).hasSize(6);
        for (int i = 0; i < quant.size(); i++) {
            assertThat(Double.parseDouble(quant.get(i).get(2))).isCloseTo(results.get("quantization").get(i).get("ppl").asDouble(), org.assertj.core.data.Percentage.withPercentage(0.1));
        }
        // random tokens under a near-uniform random model: perplexity close to the vocabulary size (64)
        assertThat(rows.get(0).get("ppl").asDouble()).isBetween(40.0, 90.0);
    }

    @Test
    void plantedFixtureReportFindsItsWeightAndIsNotLabelledSynthetic(@TempDir Path dir) throws Exception {
        Path planted = Fixtures.shared().resolve("fixtures/planted");
        JsonNode truth = Fixtures.json(planted.resolve("truth.json"));
        AnalysisCommandsTest.Run r = run("report", "--model", planted.toString(), "--out", dir.toString(), "--prompts", "2",
                "--ppl-windows", "1", "--ctx", "16", "--scales", "0,1", "--blocks", "64");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        JsonNode sw = j.get("detection").get("super_weights").get(0);
        assertThat(List.of(sw.get("layer").asInt(), sw.get("row").asInt(), sw.get("col").asInt()))
                .containsExactly(truth.get("layer").asInt(), truth.get("row").asInt(), truth.get("col").asInt());
        assertThat(j.get("synthetic").asBoolean()).isFalse();
        assertThat(j.get("fingerprint").asText()).doesNotStartWith("synthetic");
        assertThat(Files.readString(dir.resolve("report.html"))).doesNotContain("SYNTHETIC MODEL").contains(planted.toString());
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
