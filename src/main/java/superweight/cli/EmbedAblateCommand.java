package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.eval.RunStore;
import superweight.model.Model;
import superweight.quant.SuperOutlier;
import superweight.quant.W8A8;
import superweight.report.AnalysisJson;
import superweight.report.Outputs;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "embed-ablate", mixinStandardHelpOptions = true,
        description = {"The paper's Table 1 for embedding models: each condition (as in ablate) measured by how well",
                "the modified encoder's embeddings agree with the original's, on a similarity task built from SciQ",
                "(question vs its own support passage = related, vs the next item's = unrelated):",
                "  mean_cosine / min_cosine  cosine(original, modified) over every text",
                "  spearman                  rank correlation of the pair similarities with the original's",
                "  auc                       P(a related pair scores above an unrelated one)",
                "Embeddings go to the run store (an interrupted run resumes, a rerun embeds nothing); writes embed-ablate.json into --out."})
final class EmbedAblateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--condition", paramLabel = "C", split = ",", defaultValue = "original,prune-sw,prune-sw-restore-sa,prune-non-sw",
            description = "Conditions, repeatable or comma separated (default ${DEFAULT-VALUE}).")
    List<String> conditions;

    @Mixin
    SuperWeightOptions superWeights;

    @Mixin
    EmbeddingAgreementOptions agreement;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory holding sciq/valid.json (default: <superweight.shared>/data).")
    Path dataDir;

    @Option(names = "--out", defaultValue = "out/embed-ablate", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--store", paramLabel = "FILE", description = "Run store of finished embeddings (default: the eval package's, ~/.cache/superweight/runs.duckdb).")
    Path store;

    @Option(names = "--no-store", description = "Keep nothing between runs (no resume).")
    boolean noStore;

    @Option(names = "--w8a8", description = "Also measure the paper's W8A8 scheme (int8 per-channel weights, dynamic per-tensor "
            + "int8 activations; quant.W8A8): 'w8a8' plain and 'w8a8+sa' with the super outliers replaced and restored.")
    boolean w8a8;

    @Option(names = "--json", description = "Print one JSON object (the content of embed-ablate.json).")
    boolean json;

    @Override
    public Integer call() {
        List<Condition> parsed = Condition.parseAll(conditions);
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (!s.model.isEncoder()) throw new SuperweightException(s.modelPath + ": embed-ablate needs an encoder; use ablate for decoders");
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            agreement.prepare(s, dataDir, noStore ? null : store != null ? store : RunStore.defaultFile());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Condition c : parsed) {
                Ablation.Plan plan = Ablation.plan(c, s.model, sws);
                rows.add(row(agreement, c.label(), plan.model(), plan.interventions(), plan.weightEdits()));
            }
            if (w8a8) {
                W8A8.Prepared plain = W8A8.prepare(s.model, W8A8.Options.naive(), sws, null);
                rows.add(row(agreement, "w8a8", plain.model(), plain.interventions(), 0));
                W8A8.Prepared sa = W8A8.prepare(s.model, W8A8.Options.naive().withReplaceRestore(SuperOutlier.Scope.ALL), sws, null);
                rows.add(row(agreement, "w8a8+sa", sa.model(), sa.interventions(), 0));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("super_weights", AnalysisJson.superWeights(sws));
            r.put("super_weights_source", set.source());
            r.put("texts", agreement.texts());
            r.put("pairs", agreement.pairs());
            r.put("conditions", rows);
            Outputs.writeJson(out, "embed-ablate.json", r);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, r);
            } else {
                o.println(s.model.id() + ": super weights " + set.describe() + "; " + agreement.texts() + " texts, "
                        + agreement.pairs() + " pairs");
                o.print(AblateCommand.table(rows));
                o.println("wrote " + out.resolve("embed-ablate.json"));
                o.flush();
            }
            return 0;
        }
    }

    /** One condition's row: its agreement metrics, and how many sequences it embedded now (0 = all from the run store). */
    static Map<String, Object> row(EmbeddingAgreementOptions agreement, String condition, Model m, Interventions iv, int edits) {
        Map<String, Double> metrics = agreement.evaluate(condition, m, iv);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("condition", condition);
        row.put("weight_edits", edits);
        row.put("embedded", agreement.computed());
        row.put("metrics", metrics);
        return row;
    }
}
