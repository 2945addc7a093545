package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.jobs.Derivation;
import superweight.report.AnalysisJson;
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

@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Multiply the super weights by each factor and evaluate (the paper's Figure 6).",
                "Writes sweep.json and one plot per metric kind (sweep-perplexity, sweep-accuracy .png/.svg) into --out."})
final class ScaleSweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;


    @Option(names = "--factors", defaultValue = "0,0.2,0.5,0.8,1,1.5,2,3", paramLabel = "LIST",
            description = "Comma-separated scaling factors (default ${DEFAULT-VALUE}).")
    String factors;

    @Mixin
    SuperWeightOptions superWeights;

    @Mixin
    EvaluationOptions evaluation;

    @Mixin
    ExecutorOptions executor;

    @Option(names = "--out", defaultValue = "out/sweep", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of sweep.json).")
    boolean json;

    @Override
    public Integer call() {
        List<Float> fs = Condition.parseFactors(factors);
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            evaluation.prepare(s, spec.commandLine().getErr());
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            executor.run(s, evaluation, Derivation.Ablated.of(fs.stream().map(Condition.Scale::new).toList(), sws), spec.commandLine().getErr());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (float f : fs) {
                Condition c = new Condition.Scale(f);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("condition", c.label());
                row.put("factor", f);
                Ablation.Plan plan = Ablation.plan(c, s.model, sws);
                row.put("weight_edits", plan.weightEdits());
                row.put("metrics", evaluation.evaluate(s, c.label(), plan));
                rows.add(row);
            }
            List<Path> files = plots(s.model.id(), rows);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("model_id", s.catalogQuery());
            r.put("super_weights", AnalysisJson.superWeights(sws));
            r.put("super_weights_source", set.source());
            r.put("points", rows);
            files.add(out.resolve("sweep.json"));
            r.put("files", files.stream().map(Path::toString).toList());
            Outputs.writeJson(out, "sweep.json", r);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, r);
            } else {
                o.println(s.model.id() + ": super weights " + set.describe() + ", scaled by each factor");
                o.print(AblateCommand.table(rows));
                o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
                o.flush();
            }
            return 0;
        }
    }

    /** Perplexities on a log axis, accuracies on a linear one, each metric a curve over the factor. */
    @SuppressWarnings("unchecked")
    private List<Path> plots(String name, List<Map<String, Object>> rows) {
        Set<String> metrics = new LinkedHashSet<>();
        for (var r : rows) metrics.addAll(((Map<String, Double>) r.get("metrics")).keySet());
        Map<String, double[][]> ppl = new LinkedHashMap<>(), acc = new LinkedHashMap<>();
        for (String k : metrics) {
            double[][] pts = new double[rows.size()][];
            for (int i = 0; i < rows.size(); i++) {
                Double v = ((Map<String, Double>) rows.get(i).get("metrics")).get(k);
                pts[i] = new double[]{(Float) rows.get(i).get("factor"), v == null ? Double.NaN : v};
            }
            (k.startsWith("ppl") ? ppl : acc).put(k, pts);
        }
        List<Path> files = new ArrayList<>();
        if (!ppl.isEmpty()) files.addAll(ChartFiles.save(Figures.curves(name + ": perplexity vs super weight scale", "scaling factor", "perplexity", ppl, true), out, "sweep-perplexity"));
        if (!acc.isEmpty()) files.addAll(ChartFiles.save(Figures.curves(name + ": accuracy vs super weight scale", "scaling factor", "accuracy", acc, false), out, "sweep-accuracy"));
        return files;
    }
}
