package superweight.cli;

import superweight.analysis.Ablation;
import superweight.analysis.Candidate;
import superweight.analysis.Catalog;
import superweight.analysis.Condition;
import superweight.analysis.Detection;
import superweight.analysis.DetectionRule;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.engine.Interventions;
import superweight.io.AtomicOutput;
import superweight.model.Model;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;
import superweight.report.AnalysisJson;
import superweight.report.Chart;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.HtmlReport;
import superweight.report.Outputs;
import superweight.report.TextTable;
import superweight.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report for an encoder (BERT family), which has no next-token probabilities to take a perplexity of: detection
 * with the relative rule and its evidence, the catalog check, the Table-1 conditions and int4 weight quantization
 * at the report's block sizes, each measured by embedding agreement with the original model on SciQ pairs.
 */
final class EncoderReport {
    /** Clip rule of the clipped quantization curves (docs/quant.md: the paper's z-score clipping). */
    private static final ClipRule CLIP = ClipRule.zScore(9);

    private final Path out;
    private final EmbeddingAgreementOptions agreement;
    private final List<Long> blocks;
    private final Path dataDir, store;

    /** {@code dataDir} null = the default data directory; {@code store} null = keep no embeddings. */
    EncoderReport(Path out, EmbeddingAgreementOptions agreement, List<Long> blocks, Path dataDir, Path store) {
        this.out = out;
        this.agreement = agreement;
        this.blocks = blocks;
        this.dataDir = dataDir;
        this.store = store;
    }

    int write(ReportCommand.Subject s, PrintWriter o) {
        Model m = s.model();
        Tokenizer tokenizer = s.tokenizer();
        HtmlReport html = new HtmlReport("superweight report: " + s.name());
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("model", s.name());
        results.put("source", s.source());
        results.put("fingerprint", s.fingerprint());
        results.put("encoder", true);
        List<Path> files = new ArrayList<>();
        agreement.prepare(m, tokenizer, dataDir, store);
        html.section("run", "Model and inputs").run("encoder " + s.name() + " from " + s.source() + "; fingerprint " + s.fingerprint()
                + "; detection on the paper's prompt \"" + SuperWeightDetector.PAPER_PROMPT + "\" ([CLS] ... [SEP]); quality by embedding "
                + "agreement with the original model on " + agreement.texts() + " SciQ texts and " + agreement.pairs() + " pairs (question vs "
                + "its own support passage = related, vs the next item's = unrelated), " + agreement.pooling + " pooling.").endSection();
        List<SuperWeight> sws = detection(html, results, files, m, tokenizer, s.name());
        Catalog.Agreement a = Catalog.published().compare(s.name(), sws);
        results.put("catalog", AnalysisJson.agreement(a));
        html.section("catalog", "Catalog check").run("the detected coordinates compared with the published catalog entry for '" + s.name()
                + "' (the paper's tables have no encoder entries).").paragraph(a.summary()).endSection();
        if (!sws.isEmpty()) ablation(html, results, m, sws);
        else html.section("ablation", "Table 1 style ablation").paragraph("Skipped: no super weight was detected.").endSection();
        quantization(html, results, files, m, sws, s.name());
        html.section("not-covered", "Not in this report").paragraph("The scaling curve, the stopword shift, the case study and zero-shot "
                + "tasks are about next-token probabilities, which an encoder does not produce. docs/encoders.md has what was measured on e5-small-v2.").endSection();
        files.add(AtomicOutput.writeString(out.resolve("report.html"), html.html()));
        results.put("files", files.stream().map(Path::toString).toList());
        files.add(Outputs.writeJson(out, "results.json", results));
        o.println("wrote " + out.resolve("report.html") + ", " + out.resolve("results.json") + " and " + (files.size() - 2) + " figure files");
        o.flush();
        return 0;
    }

    private List<SuperWeight> detection(HtmlReport html, Map<String, Object> results, List<Path> files, Model m, Tokenizer tokenizer, String name) {
        DetectionRule rule = new DetectionRule.Relative(DetectionRule.DEFAULT_RATIO);
        Detection d = new SuperWeightDetector(rule, SuperWeightDetector.DEFAULT_MAX_ITERATIONS)
                .detect(m, tokenizer.encode(SuperWeightDetector.PAPER_PROMPT, true, false));
        results.put("detection", AnalysisJson.detection(d));
        html.section("detection", "Detection (Section 3.1, remove and repeat)").run("SuperWeightDetector, rule " + rule.label()
                + ": small encoders' super activations are tens to hundreds, below the paper's absolute threshold of 50 on the input side.");
        List<List<String>> rows = new ArrayList<>();
        for (Candidate c : d.candidates()) {
            rows.add(List.of(c.weight().coordinates(), TextTable.num(c.weight().value()), Integer.toString(c.pass()),
                    c.sameToken() ? "yes" : "no", TextTable.num(c.explainedShare()), TextTable.num(c.persistence()), c.kind().text()));
        }
        html.table("candidates", List.of("candidate (layer, row, col)", "weight", "pass", "same token", "explained share", "persistence", "class"), rows)
                .note("Persistence zeroes the candidate and asks whether its channel vanishes from the later residual values; in a post-LayerNorm "
                        + "encoder the later layers can re-create the channel, so a low persistence does not rule a candidate out (docs/encoders.md).");
        List<Path> figs = new ArrayList<>();
        for (boolean input : new boolean[]{true, false}) {
            Chart c = Figures.layerMaxima(name, input, d.before(), d.superWeights().isEmpty() ? null : d.after());
            String base = input ? "layer-maxima-input" : "layer-maxima-output";
            figs.addAll(ChartFiles.save(c, out, base));
            html.figure("fig-" + base, c, "max |output.dense " + (input ? "input" : "output") + "| per layer (" + base + ".png/.svg).");
        }
        files.addAll(figs);
        html.endSection();
        return d.superWeights();
    }

    private void ablation(HtmlReport html, Map<String, Object> results, Model m, List<SuperWeight> sws) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<String>> cells = new ArrayList<>();
        for (String label : List.of("original", "prune-sw", "prune-sw-restore-sa", "prune-non-sw:" + 1000 * sws.size())) {
            Condition c = Condition.parse(label);
            Ablation.Plan p = Ablation.plan(c, m, sws);
            Map<String, Double> metrics = agreement.evaluate(c.label(), p.model(), p.interventions());
            rows.add(Map.of("condition", c.label(), "rule", c.rule(), "weight_edits", p.weightEdits(), "metrics", metrics));
            cells.add(row(List.of(c.label(), c.rule(), Integer.toString(p.weightEdits())), metrics));
        }
        results.put("ablation", rows);
        html.section("ablation", "Table 1 style ablation, by embedding agreement").run("each condition's embeddings against the original's: "
                        + "mean and min cosine over the texts, Spearman of the pair similarities, AUC of related over unrelated pairs; super weights "
                        + AnalysisSession.coordinates(sws) + "; prune-non-sw zeroes the " + 1000 * sws.size() + " largest other weights.")
                .table("ablation", List.of("condition", "what it does", "weights changed", "mean cosine", "min cosine", "Spearman", "AUC"), cells)
                .endSection();
    }

    private void quantization(HtmlReport html, Map<String, Object> results, List<Path> files, Model m, List<SuperWeight> sws, String name) {
        Map<String, double[][]> curves = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<String>> cells = new ArrayList<>();
        List<String> methods = sws.isEmpty() ? List.of("rtn", "clip") : List.of("rtn", "clip", "clip+restore");
        for (String method : methods) {
            double[][] pts = new double[blocks.size()][];
            for (int i = 0; i < pts.length; i++) {
                boolean restore = method.endsWith("+restore");
                WeightScheme w = new WeightScheme("int4", BlockSize.parse(Long.toString(blocks.get(i))), RaggedBlocks.WHOLE,
                        method.equals("rtn") ? ClipRule.NONE : CLIP, restore ? 1f : Float.NaN, false);
                WeightQuantizer.Result q = WeightQuantizer.apply(m, w, restore ? sws : List.of());
                Map<String, Double> metrics = agreement.evaluate(w.label(), q.model(), Interventions.NONE);
                pts[i] = new double[]{blocks.get(i), metrics.get("mean_cosine")};
                rows.add(Map.of("scheme", w.label(), "key", q.key(), "block", blocks.get(i), "metrics", metrics));
                cells.add(row(List.of(w.label(), Long.toString(blocks.get(i))), metrics));
            }
            curves.put("int4 " + (method.equals("rtn") ? "rtn" : CLIP.key() + (method.endsWith("+restore") ? " + super weights restored" : "")), pts);
        }
        results.put("quantization", rows);
        Chart chart = Figures.curves(name + ": int4 embedding agreement vs block size", Chart.Axis.logarithmic("block size (elements, log scale)"),
                Chart.Axis.linear("mean cosine with the original"), curves);
        files.addAll(ChartFiles.save(chart, out, "quant-block-size"));
        html.section("quantization", "Weight quantization at a few block sizes (Figure 7 style), by embedding agreement")
                .run("int4 round-to-nearest of q, k, v, o, intermediate and output.dense per block: plain, with " + CLIP.key()
                        + " clipping, and clipped with the super weights restored; agreement as in the ablation.")
                .table("quantization", List.of("scheme", "block", "mean cosine", "min cosine", "Spearman", "AUC"), cells)
                .figure("fig-quant", chart, "Figure 7 style: mean cosine with the original against block size (quant-block-size.png/.svg).")
                .endSection();
    }

    private static List<String> row(List<String> first, Map<String, Double> metrics) {
        List<String> r = new ArrayList<>(first);
        for (String k : List.of("mean_cosine", "min_cosine", "spearman", "auc")) r.add(TextTable.num(metrics.get(k)));
        return r;
    }
}
