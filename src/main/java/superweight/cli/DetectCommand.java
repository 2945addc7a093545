package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.analysis.Candidate;
import superweight.analysis.Catalog;
import superweight.analysis.Detection;
import superweight.analysis.LayerMaximum;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.report.AnalysisJson;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.Outputs;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "detect", mixinStandardHelpOptions = true,
        description = {"Find super weights from one prompt: per layer, the largest |down_proj input| and |output|; a layer "
                + "that spikes on both sides gives a candidate W[j, k] (k = input spike channel, j = output spike channel), "
                + "reported with its evidence (same token, share of the output the weight explains, persistence in the "
                + "residual stream) and class (super weight / late-layer spike / unexplained). Super weights are zeroed "
                + "and the pass repeated until nothing new appears.",
                "Writes detect.json and the per-layer maxima plots (layer-maxima-input/-output .png/.svg) into --out."})
final class DetectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Option(names = "--model-id", paramLabel = "HF_ID", description = "The model's Hugging Face id for the catalog comparison (default: inferred from the checkpoint).")
    String modelId;

    @Option(names = "--prompt", defaultValue = SuperWeightDetector.PAPER_PROMPT, paramLabel = "TEXT",
            description = "Detection prompt (needs the model's tokenizer; default: \"${DEFAULT-VALUE}\").")
    String prompt;

    @Option(names = "--tokens", paramLabel = "IDS", description = "Token ids instead of --prompt, comma or space separated (no tokenizer needed).")
    String tokens;

    @Mixin
    DetectionRuleOptions rule;

    @Option(names = "--max-iterations", defaultValue = "10", paramLabel = "N", description = "Detection passes at most (default ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--out", defaultValue = "out/detect", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of detect.json).")
    boolean json;

    @Override
    public Integer call() {
        SuperWeightDetector detector = new SuperWeightDetector(rule.rule(), maxIterations);
        try (AnalysisSession s = new AnalysisSession(model.spec, modelId)) {
            int[] ids = tokens != null ? s.ids(tokens, "--tokens") : s.encode(prompt, "--prompt");
            Detection d = detector.detect(s.model, ids);
            Catalog.Agreement agreement = Catalog.published().compare(s.catalogQuery(), d.superWeights());
            List<Path> files = new ArrayList<>();
            String title = s.model.id();
            files.addAll(ChartFiles.save(Figures.layerMaxima(title, true, d.before(), d.superWeights().isEmpty() ? null : d.after()), out, "layer-maxima-input"));
            files.addAll(ChartFiles.save(Figures.layerMaxima(title, false, d.before(), d.superWeights().isEmpty() ? null : d.after()), out, "layer-maxima-output"));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", s.modelPath.toString());
            r.put("model_id", agreement.modelId() != null ? agreement.modelId() : s.catalogQuery());
            r.put("prompt", tokens != null ? null : prompt);
            r.put("tokens", ids);
            r.putAll(AnalysisJson.detection(d));
            r.put("catalog", AnalysisJson.agreement(agreement));
            files.add(out.resolve("detect.json"));
            r.put("files", files.stream().map(Path::toString).toList());
            Outputs.writeJson(out, "detect.json", r);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, r);
            } else {
                print(o, s.model.id(), d, agreement, files);
            }
            return 0;
        }
    }

    private static void print(PrintWriter o, String name, Detection d, Catalog.Agreement agreement, List<Path> files) {
        o.printf("%s: %d super weight(s) after %d pass(es), rule %s%n", name, d.superWeights().size(), d.iterations().size(), d.rule().label());
        if (!d.candidates().isEmpty()) o.print(candidates(d));
        TextTable t = new TextTable("layer", "max|in|", "pos", "chan", "in/median", "max|out|", "pos", "chan", "out/median", "max|in| after", "max|out| after");
        for (int l = 0; l < d.before().size(); l++) {
            LayerMaximum b = d.before().get(l), a = d.after().get(l);
            t.row(l, TextTable.num(Math.abs(b.maxIn())), b.maxInPosition(), b.maxInChannel(), TextTable.num(b.inputRatio()),
                    TextTable.num(Math.abs(b.maxOut())), b.maxOutPosition(), b.maxOutChannel(), TextTable.num(b.outputRatio()),
                    TextTable.num(Math.abs(a.maxIn())), TextTable.num(Math.abs(a.maxOut())));
        }
        o.println();
        o.print(t);
        o.println();
        o.println("catalog: " + agreement.summary());
        o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
        o.flush();
    }

    /** Every candidate with its evidence; "counted" says whether the rule counts it as a super weight. */
    private static TextTable candidates(Detection d) {
        TextTable t = new TextTable("layer", "row", "col", "weight", "pass", "X (pos)", "Y (pos)", "same token", "W*X/Y",
                "persistence", "class", "counted");
        for (Candidate c : d.candidates()) {
            SuperWeight w = c.weight();
            LayerMaximum m = c.spike();
            boolean counted = d.superWeights().stream().anyMatch(w::sameCoordinates);
            t.row(w.layer(), w.row(), w.col(), TextTable.num(w.value()), c.pass(),
                    TextTable.num(m.maxIn()) + " (" + m.maxInPosition() + ")", TextTable.num(m.maxOut()) + " (" + m.maxOutPosition() + ")",
                    c.sameToken() ? "yes" : "no", TextTable.num(c.explainedShare()), TextTable.percent(c.persistence()),
                    c.kind().text(), counted ? "yes" : "no");
        }
        return t;
    }
}
