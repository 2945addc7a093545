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
import superweight.report.Outputs;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "ablate", mixinStandardHelpOptions = true,
        description = {"Evaluate the model under the conditions of the paper's Table 1, side by side",
                "(docs/analysis.md has the exact definitions):",
                "  original                 the model as it is",
                "  prune-sw                 super weights set to 0",
                "  prune-sw-restore-sa      super weights 0, each sequence's original",
                "                           super activation written back",
                "  prune-non-sw             the paper code's rule: in each Q/K/V/O/gate/up/down",
                "                           weight of layers 0-31, the int(numel*1e-6) largest",
                "                           |w| (ties included) set to 0, SWs kept (later layers",
                "                           of deeper models are not pruned: the code's 0-32)",
                "  prune-non-sw-per-tensor[:F[:A-B]]  the same per tensor rule with fraction F",
                "                           over layers A-B (default: every layer)",
                "  prune-non-sw:N           global: the N largest other Q/K/V/O/gate/up/down",
                "                           weights set to 0 (7000 in the paper's text)",
                "  prune-non-sw-all-weights[:F]  Figure 4: int(numel*F) (5e-7) largest |w| of",
                "                           every weight, embeddings, norms, lm_head included",
                "  scale:F                  super weights multiplied by F",
                "Decoders: perplexity (--ppl) and zero-shot tasks (--tasks). Encoders (BERT family): embedding",
                "agreement with the original (mean/min cosine, Spearman and AUC on SciQ pairs, as embed-ablate).",
                "Writes ablate.json into --out."})
final class AblateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--condition", paramLabel = "C", split = ",",
            defaultValue = "original,prune-sw,prune-sw-restore-sa,prune-non-sw",
            description = "Conditions, repeatable or comma separated (default ${DEFAULT-VALUE}).")
    List<String> conditions;

    @Mixin
    SuperWeightOptions superWeights;

    @Mixin
    EvaluationOptions evaluation;

    @Mixin
    ExecutorOptions executor;

    @Mixin
    EmbeddingAgreementOptions agreement;

    @Option(names = "--out", defaultValue = "out/ablate", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of ablate.json).")
    boolean json;

    @Override
    public Integer call() {
        List<Condition> parsed = Condition.parseAll(conditions);
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (s.model.isEncoder()) agreement.prepare(s, evaluation);
            else evaluation.prepare(s, spec.commandLine().getErr());
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            executor.run(s, evaluation, Derivation.Ablated.of(parsed, sws), spec.commandLine().getErr());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Condition c : parsed) {
                Ablation.Plan plan = Ablation.plan(c, s.model, sws);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("condition", c.label());
                row.put("rule", c.rule());
                String uncovered = c instanceof Condition.PruneNonSuperWeightsPerTensor p ? p.uncovered(s.model.config().layers()) : null;
                if (uncovered != null) row.put("note", uncovered);
                row.put("weight_edits", plan.weightEdits());
                row.put("metrics", s.model.isEncoder() ? agreement.evaluate(c.label(), plan.model(), plan.interventions())
                        : evaluation.evaluate(s, c.label(), plan));
                rows.add(row);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("model_id", s.catalogQuery());
            r.put("super_weights", AnalysisJson.superWeights(sws));
            r.put("super_weights_source", set.source());
            r.put("conditions", rows);
            Outputs.writeJson(out, "ablate.json", r);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, r);
            } else {
                o.println(s.model.id() + ": super weights " + set.describe());
                o.print(table(rows));
                for (var row : rows) {
                    o.println(row.get("condition") + ": " + row.get("rule") + (row.containsKey("note") ? " (" + row.get("note") + ")" : ""));
                }
                o.println("wrote " + out.resolve("ablate.json"));
                o.flush();
            }
            return 0;
        }
    }

    /** One row per condition, one column per metric. */
    @SuppressWarnings("unchecked")
    static TextTable table(List<Map<String, Object>> rows) {
        Set<String> metrics = new LinkedHashSet<>();
        for (var r : rows) metrics.addAll(((Map<String, Double>) r.get("metrics")).keySet());
        List<String> header = new ArrayList<>(List.of("condition", "edits"));
        header.addAll(metrics);
        TextTable t = new TextTable(header.toArray(String[]::new));
        for (var r : rows) {
            Map<String, Double> m = (Map<String, Double>) r.get("metrics");
            List<Object> cells = new ArrayList<>(List.of(r.get("condition"), r.get("weight_edits")));
            for (String k : metrics) cells.add(m.containsKey(k) ? TextTable.num(m.get(k)) : null);
            t.row(cells.toArray());
        }
        return t;
    }
}
