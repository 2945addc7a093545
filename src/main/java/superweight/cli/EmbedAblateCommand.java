package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.EmbeddingAgreement;
import superweight.analysis.SuperWeight;
import superweight.engine.Embedder;
import superweight.engine.Pooling;
import superweight.eval.DataDirs;
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
                "Writes embed-ablate.json into --out."})
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

    @Option(names = "--pairs", defaultValue = "32", paramLabel = "N",
            description = "SciQ validation items with a support passage to use (2N pairs; default ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--query-prefix", defaultValue = "", paramLabel = "TEXT", description = "Before each question (E5: \"query: \").")
    String queryPrefix;

    @Option(names = "--passage-prefix", defaultValue = "", paramLabel = "TEXT", description = "Before each passage (E5: \"passage: \").")
    String passagePrefix;

    @Option(names = "--pooling", defaultValue = "mean", paramLabel = "mean|cls", description = "Pooling (default ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory holding sciq/valid.json (default: <superweight.shared>/data).")
    Path dataDir;

    @Option(names = "--out", defaultValue = "out/embed-ablate", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--w8a8", description = "Also measure the paper's W8A8 scheme (int8 per-channel weights, dynamic per-tensor "
            + "int8 activations; quant.W8A8): 'w8a8' plain and 'w8a8+sa' with the super outliers replaced and restored.")
    boolean w8a8;

    @Option(names = "--json", description = "Print one JSON object (the content of embed-ablate.json).")
    boolean json;

    @Override
    public Integer call() {
        if (items < 2) throw new SuperweightException("--pairs: must be at least 2");
        Pooling p = switch (pooling) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new SuperweightException("--pooling: '" + pooling + "' is not mean or cls");
        };
        List<Condition> parsed = Condition.parseAll(conditions);
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (!s.model.isEncoder()) throw new SuperweightException(s.modelPath + ": embed-ablate needs an encoder; use ablate for decoders");
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            List<String[]> sciq = sciq(dataDir != null ? dataDir : DataDirs.defaultDataDir(), items);
            List<int[]> texts = new ArrayList<>();
            List<EmbeddingAgreement.Pair> pairs = new ArrayList<>();
            for (String[] item : sciq) {
                texts.add(encode(s, queryPrefix + item[0]));
                texts.add(encode(s, passagePrefix + item[1]));
            }
            for (int i = 0; i < sciq.size(); i++) {
                int[] q = texts.get(2 * i), passage = texts.get(2 * i + 1), other = texts.get((2 * i + 3) % texts.size());
                pairs.add(new EmbeddingAgreement.Pair(q, passage, true));
                pairs.add(new EmbeddingAgreement.Pair(q, other, false));
            }
            EmbeddingAgreement agreement = new EmbeddingAgreement(s.model, p, texts, pairs, 8);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Condition c : parsed) {
                Ablation.Plan plan = Ablation.plan(c, s.model, sws);
                rows.add(row(agreement.measure(c.label(), plan.model(), plan.interventions()), plan.weightEdits()));
            }
            if (w8a8) {
                W8A8.Prepared plain = W8A8.prepare(s.model, W8A8.Options.naive(), sws, null);
                rows.add(row(agreement.measure("w8a8", plain.model(), plain.interventions()), 0));
                W8A8.Prepared sa = W8A8.prepare(s.model, W8A8.Options.naive().withReplaceRestore(SuperOutlier.Scope.ALL), sws, null);
                rows.add(row(agreement.measure("w8a8+sa", sa.model(), sa.interventions()), 0));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("super_weights", AnalysisJson.superWeights(sws));
            r.put("super_weights_source", set.source());
            r.put("texts", texts.size());
            r.put("pairs", pairs.size());
            r.put("conditions", rows);
            Outputs.writeJson(out, "embed-ablate.json", r);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, r);
            } else {
                o.println(s.model.id() + ": super weights " + set.describe() + "; " + texts.size() + " texts, "
                        + pairs.size() + " pairs");
                o.print(AblateCommand.table(rows));
                o.println("wrote " + out.resolve("embed-ablate.json"));
                o.flush();
            }
            return 0;
        }
    }

    private static Map<String, Object> row(EmbeddingAgreement.Result res, int edits) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("mean_cosine", res.meanCosine());
        metrics.put("min_cosine", res.minCosine());
        metrics.put("spearman", res.spearman());
        metrics.put("auc", res.auc());
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("condition", res.condition());
        row.put("weight_edits", edits);
        row.put("metrics", metrics);
        return row;
    }

    private static int[] encode(AnalysisSession s, String text) {
        return Embedder.truncate(s.tokenizer().encode(text, true, false), s.model.config().contextLength());
    }

    /** The first n SciQ validation items that have a support passage: {question, support}. */
    static List<String[]> sciq(Path dataDir, int n) {
        Path file = dataDir.resolve("sciq").resolve("valid.json");
        JsonNode all;
        try {
            all = Cli.JSON.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        List<String[]> r = new ArrayList<>();
        for (JsonNode item : all) {
            String q = item.path("question").asText(""), support = item.path("support").asText("");
            if (!q.isBlank() && !support.isBlank()) r.add(new String[]{q, support});
            if (r.size() == n) break;
        }
        if (r.size() < n) throw new SuperweightException(file + ": only " + r.size() + " items with a support passage (asked for " + n + ")");
        return r;
    }
}
