package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.model.Model;
import superweight.quant.ActivationQuantizer;
import superweight.quant.SuperOutlier;
import superweight.quant.W8A8;
import superweight.report.AnalysisJson;
import superweight.report.Outputs;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "quant-table", mixinStandardHelpOptions = true,
        description = {"The paper's Tables 3 and 4: W8A8 round-to-nearest with and without super-activation handling,",
                "against full precision and SmoothQuant, evaluated side by side (docs/quant.md has the definitions):",
                "  original      the model as it is",
                "  w8a8          int8 weights (per output channel) and int8 linear inputs (per tensor)",
                "  w8a8+sa       the same, the super outliers replaced by the median before and restored after",
                "  smoothquant   SmoothQuant's migration (--alpha) folded in, then w8a8",
                "Default evaluation: --ppl wikitext2,c4 (GPTQ windows); an encoder (BERT family) by embedding agreement",
                "with the original (mean/min cosine, Spearman and AUC on SciQ pairs, as embed-ablate).",
                "Results go to the run store (resumable); writes quant-table.json into --out."})
final class QuantTableCommand implements Callable<Integer> {
    static final List<String> ROWS = List.of("original", "w8a8", "w8a8+sa", "smoothquant");

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--rows", split = ",", paramLabel = "ROW", defaultValue = "original,w8a8,w8a8+sa,smoothquant",
            description = "Rows, comma separated (default ${DEFAULT-VALUE}).")
    List<String> rows;

    @Option(names = "--per-token", description = "Activation scales per token instead of per tensor.")
    boolean perToken;

    @Option(names = "--static", description = "Static per-tensor activation scales from the calibration set (default: dynamic, per sequence).")
    boolean staticScales;

    @Option(names = "--sa-scope", defaultValue = "all", paramLabel = "SCOPE",
            description = "Which linear inputs hold the super outliers for w8a8+sa: down-input (the super weight's "
                    + "down_proj input column), residual (its row's channel in every later q/k/v/gate/up input) or all (default).")
    String saScope;

    @Option(names = "--alpha", defaultValue = "0.5", paramLabel = "A", description = "SmoothQuant migration strength (default ${DEFAULT-VALUE}).")
    double alpha;

    @Mixin
    SuperWeightOptions superWeights;

    @Mixin
    CalibrationOptions calibration;

    @Mixin
    EvaluationOptions evaluation;

    @Mixin
    EmbeddingAgreementOptions agreement;

    @Option(names = "--out", defaultValue = "out/quant-table", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of quant-table.json).")
    boolean json;

    @Override
    public Integer call() {
        for (String r : rows) if (!ROWS.contains(r)) throw new SuperweightException("--rows " + r + ": expected one of " + String.join(", ", ROWS));
        W8A8.Options base = options();
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (s.model.isEncoder()) {
                agreement.prepare(s, evaluation);
            } else {
                if (!evaluation.requested()) evaluation.pplDatasets = List.of("wikitext2", "c4");   // the paper's Tables 3 and 4
                evaluation.prepare(s, spec.commandLine().getErr());
            }
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            List<int[]> calib = needsCalibration(base) ? calibration.windows(s.tokenizer(), evaluation.dataDir(), s.model.config().contextLength(), s.model.isEncoder()) : List.of();
            List<Map<String, Object>> results = new ArrayList<>();
            for (String row : rows) results.add(evaluateRow(s, row, base, sws, calib));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("model_id", s.catalogQuery());
            r.put("super_weights", AnalysisJson.superWeights(sws));
            r.put("super_weights_source", set.source());
            r.put("activation_scales", (perToken ? "per-token" : "per-tensor") + (staticScales ? ", static" : ", dynamic per sequence"));
            r.put("sa_scope", saScope);
            r.put("smoothquant_alpha", alpha);
            if (!calib.isEmpty()) r.put("calibration", calibration.describe(calib.size()));
            r.put("rows", results);
            Outputs.writeJson(out, "quant-table.json", r);
            print(s, sws, results, r);
            return 0;
        }
    }

    private boolean needsCalibration(W8A8.Options base) {
        return rows.contains("smoothquant") || (base.staticScales() && rows.stream().anyMatch(x -> !x.equals("original")));
    }

    private W8A8.Options options() {
        W8A8.Options o = W8A8.Options.naive();
        if (perToken) o = o.withGranularity(ActivationQuantizer.Granularity.PER_TOKEN);
        if (staticScales) {
            if (perToken) throw new SuperweightException("--static and --per-token: static scales are per tensor");
            o = o.withStaticScales();
        }
        return o;
    }

    private SuperOutlier.Scope scope() {
        return switch (saScope.toLowerCase(Locale.ROOT)) {
            case "all" -> SuperOutlier.Scope.ALL;
            case "down-input" -> SuperOutlier.Scope.DOWN_INPUT;
            case "residual" -> SuperOutlier.Scope.RESIDUAL;
            default -> throw new SuperweightException("--sa-scope " + saScope + ": expected all, down-input or residual");
        };
    }

    private Map<String, Object> evaluateRow(AnalysisSession s, String row, W8A8.Options base, List<SuperWeight> sws, List<int[]> calib) {
        Model m = s.model;
        Interventions iv = Interventions.NONE;
        List<String> notes = List.of();
        if (!row.equals("original")) {
            W8A8.Options o = switch (row) {
                case "w8a8" -> base;
                case "w8a8+sa" -> base.withReplaceRestore(scope());
                default -> base.withSmoothQuant(alpha);
            };
            if (row.equals("w8a8+sa") && sws.isEmpty()) throw new SuperweightException("w8a8+sa: no super weights (see --super-weights)");
            W8A8.Prepared p = W8A8.prepare(m, o, sws, calib);
            m = p.model();
            iv = p.interventions();
            notes = p.notes();
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("row", row);
        r.put("scheme", iv.linearInputHook() == null ? "none" : iv.linearInputHook().key());
        r.put("weights", String.join(" then ", m.derivation()));
        r.put("notes", notes);
        r.put("metrics", s.model.isEncoder() ? agreement.evaluate("quant-table:" + row, m, iv) : evaluation.evaluate(s, m, "quant-table:" + row, iv));
        return r;
    }

    private void print(AnalysisSession s, List<SuperWeight> sws, List<Map<String, Object>> results, Map<String, Object> r) {
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            Cli.printJson(o, r);
            return;
        }
        o.println(s.model.id() + ": super weights " + AnalysisSession.coordinates(sws) + " (" + superWeights.source + "), activations "
                + r.get("activation_scales"));
        List<String> header = new ArrayList<>(List.of("row"));
        Set<String> metrics = new LinkedHashSet<>();
        for (Map<String, Object> row : results) metrics.addAll(metricsOf(row).keySet());
        header.addAll(metrics);
        TextTable t = new TextTable(header.toArray(String[]::new));
        for (Map<String, Object> row : results) {
            List<Object> cells = new ArrayList<>(List.of(row.get("row")));
            for (String k : metrics) cells.add(metricsOf(row).containsKey(k) ? TextTable.num(metricsOf(row).get(k)) : null);
            t.row(cells.toArray());
        }
        o.print(t);
        for (Map<String, Object> row : results) {
            @SuppressWarnings("unchecked") List<String> notes = (List<String>) row.get("notes");
            for (String n : notes) o.println(row.get("row") + ": " + n);
        }
        o.println("wrote " + out.resolve("quant-table.json"));
        o.flush();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Double> metricsOf(Map<String, Object> row) {
        return (Map<String, Double>) row.get("metrics");
    }
}
