package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.analysis.Characterization;
import superweight.analysis.SuperWeight;
import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.report.AnalysisJson;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.Outputs;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

@Command(name = "characterize", mixinStandardHelpOptions = true,
        description = {"Over several prompts, where does each super activation appear: is it always the same channel "
                + "(the layer's largest down_proj output), the same position (first token / first delimiter), similar magnitude?",
                "Writes characterize.json and activation-heatmap.{png,svg} (|down_proj output| around the first super activation) into --out."})
final class CharacterizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;


    @Option(names = "--prompts-file", paramLabel = "FILE", description = "Prompts as text, one per line (default: ten built-in varied prompts).")
    Path promptsFile;

    @Option(names = "--tokens-file", paramLabel = "FILE", description = "Prompts as token ids, one per line (no tokenizer needed).")
    Path tokensFile;

    @Mixin
    SuperWeightOptions superWeights;

    @Option(names = "--out", defaultValue = "out/characterize", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of characterize.json).")
    boolean json;

    @Override
    public Integer call() {
        if (promptsFile != null && tokensFile != null) throw new SuperweightException("give --prompts-file or --tokens-file, not both");
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            List<String> texts = promptsFile == null && tokensFile == null ? Characterization.DEFAULT_PROMPTS : null;
            List<int[]> prompts = prompts(s, texts);
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            if (set.weights().isEmpty()) throw new SuperweightException(s.modelSpec + ": no super weights (" + set.source() + "), nothing to characterize");
            IntFunction<String> pieces = s.pieces(tokensFile == null);
            Characterization.Result r = Characterization.run(s.model, set.weights(), prompts);
            List<Path> files = new ArrayList<>(heatmap(s, set.weights().getFirst(), prompts.getFirst()));
            files.add(out.resolve("characterize.json"));
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", s.modelPath.toString());
            j.put("super_weights", AnalysisJson.superWeights(set.weights()));
            j.put("super_weights_source", set.source());
            j.put("prompts", texts);
            j.put("observations", r.observations().stream().map(o -> observation(o, pieces)).toList());
            j.put("summaries", r.summaries().stream().map(CharacterizeCommand::summary).toList());
            j.put("files", files.stream().map(Path::toString).toList());
            Outputs.writeJson(out, "characterize.json", j);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, j);
            } else {
                print(o, set, r, pieces, files);
            }
            return 0;
        }
    }

    /** The prompts as token ids: from --tokens-file, --prompts-file, or the built-in texts. */
    private List<int[]> prompts(AnalysisSession s, List<String> builtIn) {
        if (tokensFile != null) return s.promptsFromFile(tokensFile, true, "--tokens-file");
        if (promptsFile != null) return s.promptsFromFile(promptsFile, false, "--prompts-file");
        List<int[]> r = new ArrayList<>();
        for (String t : builtIn) r.add(s.encode(t, "built-in prompt"));
        return r;
    }

    private static Map<String, Object> observation(Characterization.Observation o, IntFunction<String> pieces) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt", o.prompt());
        m.put("layer", o.layer());
        m.put("channel", o.channel());
        m.put("position", o.position());
        m.put("token", o.token());
        m.put("text", pieces.apply(o.token()));
        m.put("value", o.value());
        m.put("layer_maximum", o.layerMaximum());
        return m;
    }

    private static Map<String, Object> summary(Characterization.Summary x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", x.layer());
        m.put("channel", x.channel());
        m.put("prompts", x.prompts());
        m.put("same_channel", x.sameChannel());
        m.put("layer_maximum_count", x.layerMaximumCount());
        m.put("same_position", x.samePosition());
        m.put("positions", x.positions());
        m.put("first_token_count", x.firstTokenCount());
        m.put("mean_magnitude", x.meanMagnitude());
        m.put("min_magnitude", x.minMagnitude());
        m.put("max_magnitude", x.maxMagnitude());
        m.put("relative_spread", x.relativeSpread());
        return m;
    }

    private void print(PrintWriter o, AnalysisSession.SuperWeightSet set, Characterization.Result r, IntFunction<String> pieces, List<Path> files) {
        o.println("super weights " + set.describe());
        TextTable t = new TextTable("prompt", "layer", "channel", "position", "token", "value", "layer max");
        for (var x : r.observations()) {
            t.row(x.prompt(), x.layer(), x.channel(), x.position(), TokenShiftCommand.label(pieces.apply(x.token())), TextTable.num(x.value()), x.layerMaximum() ? "yes" : "no");
        }
        o.print(t);
        o.println();
        for (var x : r.summaries()) {
            o.printf("layer %d channel %d: largest output of its layer in %d/%d prompts; positions %s (first token in %d); |value| %s..%s, mean %s, spread %s%n",
                    x.layer(), x.channel(), x.layerMaximumCount(), x.prompts(), x.positions(), x.firstTokenCount(),
                    TextTable.num(x.minMagnitude()), TextTable.num(x.maxMagnitude()), TextTable.num(x.meanMagnitude()), TextTable.percent(x.relativeSpread()));
        }
        o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
        o.flush();
    }

    /**
     * |down_proj output| of the first super weight's layer on the first prompt, for the channels around its super
     * activation (its row +- 8) at every position (at most 64): the spike stands out as one bright cell.
     */
    private List<Path> heatmap(AnalysisSession s, SuperWeight sw, int[] prompt) {
        int n = Math.min(prompt.length, 64), lo = Math.max(0, sw.row() - 8), hi = Math.min(s.model.config().hiddenSize(), sw.row() + 9);
        double[][] values = new double[hi - lo][n];
        ForwardPass.observe(s.model, Arrays.copyOf(prompt, n), new Taps() {
            @Override
            public void downProjOutput(int layer, int start, float[] y, int count, int dim) {
                if (layer != sw.layer()) return;
                for (int i = 0; i < count; i++) for (int c = lo; c < hi; c++) values[c - lo][start + i] = y[i * dim + c];
            }
        }, Interventions.NONE);
        List<String> positions = IntStream.range(0, n).mapToObj(Integer::toString).toList();
        List<String> channels = IntStream.range(lo, hi).mapToObj(Integer::toString).toList();
        String title = s.model.id() + ": |down_proj output| of layer " + sw.layer() + " around channel " + sw.row() + " (prompt 1)";
        return ChartFiles.save(Figures.activationHeatmap(title, positions, channels, values), out, "activation-heatmap");
    }
}
