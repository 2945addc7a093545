package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.analysis.Catalog;
import superweight.analysis.Detection;
import superweight.analysis.LayerMaximum;
import superweight.analysis.SuperActivation;
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
                + "where both exceed the threshold gives W[j, k] (k = input spike channel, j = output spike channel). "
                + "Found weights are zeroed and the pass repeated until nothing new appears.",
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

    @Option(names = "--threshold", defaultValue = "50", paramLabel = "T", description = "Spike threshold on |value| (default ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--max-iterations", defaultValue = "10", paramLabel = "N", description = "Detection passes at most (default ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--out", defaultValue = "out/detect", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of detect.json).")
    boolean json;

    @Override
    public Integer call() {
        SuperWeightDetector detector = new SuperWeightDetector(threshold, maxIterations);
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
        o.printf("%s: %d super weight(s) after %d pass(es) (threshold %s)%n", name, d.superWeights().size(), d.iterations().size(), TextTable.num(d.threshold()));
        TextTable sw = new TextTable("layer", "row", "col", "weight", "found in pass", "activation", "position", "W*X/Y");
        for (SuperWeight w : d.superWeights()) {
            int pass = d.iterations().stream().filter(it -> it.found().stream().anyMatch(w::sameCoordinates)).findFirst().orElseThrow().index();
            SuperActivation a = d.superActivations().stream().filter(x -> x.layer() == w.layer() && x.channel() == w.row()).findFirst().orElse(null);
            sw.row(w.layer(), w.row(), w.col(), TextTable.num(w.value()), pass, a == null ? null : TextTable.num(a.value()), a == null ? null : a.position(), TextTable.num(d.explainedShare(w)));
        }
        if (sw.size() > 0) o.print(sw);
        TextTable t = new TextTable("layer", "max|in|", "pos", "chan", "max|out|", "pos", "chan", "max|in| after", "max|out| after");
        for (int l = 0; l < d.before().size(); l++) {
            LayerMaximum b = d.before().get(l), a = d.after().get(l);
            t.row(l, TextTable.num(Math.abs(b.maxIn())), b.maxInPosition(), b.maxInChannel(), TextTable.num(Math.abs(b.maxOut())),
                    b.maxOutPosition(), b.maxOutChannel(), TextTable.num(Math.abs(a.maxIn())), TextTable.num(Math.abs(a.maxOut())));
        }
        o.println();
        o.print(t);
        o.println();
        o.println("catalog: " + agreement.summary());
        o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
        o.flush();
    }
}
