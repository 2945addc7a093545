package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.jobs.Derivation;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.SweepGrid;
import superweight.quant.WeightQuantizer;
import superweight.report.AnalysisJson;
import superweight.report.Chart;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.Outputs;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "quant-sweep", mixinStandardHelpOptions = true,
        description = {"The paper's Figure 7: block sizes x methods x code books, each quantized model evaluated "
                + "(default: the paper's seven tasks, mean accuracy) with results kept in the run store (an "
                + "interrupted sweep resumes; nothing is evaluated twice); an encoder (BERT family) by embedding agreement "
                + "with the original (mean/min cosine, Spearman and AUC on SciQ pairs, as embed-ablate). Writes quant-sweep.json and "
                + "quant-sweep-accuracy / -perplexity / -mean-cosine / -spearman .png/.svg (metric vs block size, log x) into --out."})
final class QuantSweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--blocks", split = ",", paramLabel = "LIST", defaultValue = "16384,65536,262144,1048576",
            description = "Block sizes in elements (or channel, tensor), comma separated (default ${DEFAULT-VALUE}).")
    List<String> blocks;

    @Option(names = "--methods", split = ",", paramLabel = "LIST", defaultValue = "rtn,clip,clip+restore",
            description = "rtn, clip (with --clip), a clip rule (z:11, bp:1e-5, tp:1e-6), each optionally +restore (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--weights", split = ",", paramLabel = "LIST", defaultValue = "int4",
            description = "Code books, comma separated: int2 .. int8, nf4, nf3 (default ${DEFAULT-VALUE}).")
    List<String> weights;

    @Option(names = "--clip", defaultValue = "z:9", paramLabel = "RULE", description = "The clip rule of the clip methods (default ${DEFAULT-VALUE}).")
    String clip;

    @Option(names = "--restore-factor", defaultValue = "1", paramLabel = "F", description = "Restored super weights are multiplied by F (default ${DEFAULT-VALUE}).")
    float factor;

    @Option(names = "--ragged-blocks", defaultValue = "whole", paramLabel = "MODE", description = "whole (the reference's rule) or last (default ${DEFAULT-VALUE}).")
    String ragged;

    @Option(names = "--include-lm-head", description = "Quantize the output head too.")
    boolean includeLmHead;

    @Mixin
    SuperWeightOptions superWeights;

    @Mixin
    EvaluationOptions evaluation;

    @Mixin
    ExecutorOptions executor;

    @Mixin
    EmbeddingAgreementOptions agreement;

    @Option(names = "--out", defaultValue = "out/quant-sweep", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of quant-sweep.json).")
    boolean json;

    @Override
    public Integer call() {
        var conditions = SweepGrid.conditions(blocks, methods, weights, ClipRule.parse(clip), factor, RaggedBlocks.parse(ragged), includeLmHead);
        if (conditions.stream().anyMatch(c -> c.scheme().clip().kind() == ClipRule.Kind.ZSCORE_AUTO)) {
            throw new SuperweightException("quant-sweep: z:auto is not supported in sweeps; run quantize --clip z:auto and sweep its chosen z");
        }
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (s.model.isEncoder()) {
                agreement.prepare(s, evaluation);
            } else {
                if (!evaluation.requested()) evaluation.tasks = new ArrayList<>(SweepGrid.PAPER_TASKS);
                evaluation.prepare(s, spec.commandLine().getErr());
            }
            boolean restores = conditions.stream().anyMatch(c -> c.scheme().restores());
            AnalysisSession.SuperWeightSet set = restores ? superWeights.resolve(s) : null;
            List<SuperWeight> sws = set == null ? List.of() : set.weights();
            executor.run(s, evaluation, conditions.stream().map(c -> (Derivation) Derivation.Quantized.of(c.scheme(), sws)).toList(),
                    spec.commandLine().getErr());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SweepGrid.WeightCondition c : conditions) rows.add(evaluate(s, c, sws));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("super_weights", AnalysisJson.superWeights(sws));
            if (set != null) r.put("super_weight_source", set.source());
            r.put("units", SweepGrid.units(s.modelPath.toString(), conditions, s.model.isEncoder() ? List.of("embedding-agreement") : targets()).size());
            r.put("points", rows);
            List<Path> files = plots(s.model.id(), rows);
            files.add(out.resolve("quant-sweep.json"));
            r.put("files", files.stream().map(Path::toString).toList());
            Outputs.writeJson(out, "quant-sweep.json", r);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, r);
            } else {
                o.println(s.model.id() + ": " + conditions.size() + " conditions; super weights " + AnalysisSession.coordinates(sws));
                o.print(AblateCommand.table(rows));
                o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
                o.flush();
            }
            return 0;
        }
    }

    private Map<String, Object> evaluate(AnalysisSession s, SweepGrid.WeightCondition c, List<SuperWeight> sws) {
        long t0 = System.nanoTime();
        WeightQuantizer.Result q = WeightQuantizer.apply(s.model, c.scheme(), c.scheme().restores() ? sws : List.of());
        double quantizeSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> metrics = s.model.isEncoder() ? agreement.evaluate(c.label(), q.model(), Interventions.NONE)
                : evaluation.evaluate(s, q.model(), c.label(), Interventions.NONE);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("condition", c.label());
        row.put("weight_edits", q.restored().size());
        row.put("series", c.series());
        row.put("block", c.scheme().block().key());
        row.put("key", q.key());
        row.put("whole_tensor_fallbacks", q.wholeFallbacks());
        row.put("quantize_seconds", quantizeSeconds);
        row.put("seconds", (System.nanoTime() - t0) / 1e9);
        row.put("metrics", metrics);
        return row;
    }

    /** The evaluation targets of each condition, as unit names (task:NAME, ppl:DATA, ppl:tokens). */
    private List<String> targets() {
        List<String> t = new ArrayList<>();
        if (evaluation.tasks != null) evaluation.tasks.forEach(x -> t.add("task:" + x));
        if (evaluation.pplDatasets != null) evaluation.pplDatasets.forEach(x -> t.add("ppl:" + x));
        if (evaluation.pplTokens != null) t.add("ppl:tokens");
        return t;
    }

    /** Mean accuracy and each perplexity against block size, one curve per series (method). */
    @SuppressWarnings("unchecked")
    private List<Path> plots(String name, List<Map<String, Object>> rows) {
        Set<String> metrics = new LinkedHashSet<>();
        for (var r : rows) metrics.addAll(((Map<String, Double>) r.get("metrics")).keySet());
        List<Path> files = new ArrayList<>();
        for (String metric : metrics) {
            boolean ppl = metric.startsWith("ppl:"), agreementMetric = metric.equals("mean_cosine") || metric.equals("spearman");
            if (!ppl && !agreementMetric && !metric.equals("acc:avg")) continue;
            Map<String, List<double[]>> bySeries = new LinkedHashMap<>();
            for (var r : rows) {
                Double v = ((Map<String, Double>) r.get("metrics")).get(metric);
                double x = blockX((String) r.get("block"));
                if (v != null && !Double.isNaN(x)) bySeries.computeIfAbsent((String) r.get("series"), k -> new ArrayList<>()).add(new double[]{x, v});
            }
            // a curve needs two block sizes (one point also leaves the log axis without a range)
            if (bySeries.values().stream().noneMatch(v -> v.stream().mapToDouble(p -> p[0]).distinct().count() > 1)) continue;
            Map<String, double[][]> points = new LinkedHashMap<>();
            bySeries.forEach((k, v) -> points.put(k, v.toArray(double[][]::new)));
            String base = ppl ? "quant-sweep-perplexity" + (metric.equals("ppl:tokens") ? "" : "-" + metric.substring(4))
                    : agreementMetric ? "quant-sweep-" + metric.replace('_', '-') : "quant-sweep-accuracy";
            String y = ppl ? "perplexity (" + metric.substring(4) + ")" : agreementMetric ? metric.replace('_', ' ') + " with the original" : "mean accuracy";
            Chart chart = Figures.curves(name + ": " + y + " vs block size", Chart.Axis.logarithmic("block size (elements)"),
                    new Chart.Axis(y, ppl), points);
            files.addAll(ChartFiles.save(chart, out, base));
        }
        return files;
    }

    private static double blockX(String block) {
        try {
            return Long.parseLong(block);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
