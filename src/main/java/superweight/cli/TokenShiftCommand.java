package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.analysis.TokenShift;
import superweight.eval.Documents;
import superweight.eval.Progress;
import superweight.report.AnalysisJson;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.Outputs;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;

@Command(name = "token-shift", mixinStandardHelpOptions = true,
        description = {"Average next-token probabilities over LAMBADA prompts (each text minus its last word) with and "
                + "without the super weights (the paper's Figure 5): the tokens that change most and the stopword share.",
                "Writes token-shift.json and a bar chart (token-shift .png/.svg) into --out."})
final class TokenShiftCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;


    @Option(names = "--data", paramLabel = "FILE", description = "LAMBADA JSONL ({\"text\": ...} per line; default: the shared lambada_openai test set).")
    Path data;

    @Option(names = "--tokens-file", paramLabel = "FILE", description = "Prompts as token ids, one per line, instead of --data (no tokenizer needed).")
    Path tokensFile;

    @Option(names = "--prompts", defaultValue = "500", paramLabel = "N", description = "Use the first N prompts (default ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--condition", defaultValue = "prune-sw", paramLabel = "C", description = "The changed model (default ${DEFAULT-VALUE}; any ablate condition).")
    String condition;

    @Option(names = "--top", defaultValue = "20", paramLabel = "K", description = "Tokens listed and plotted (default ${DEFAULT-VALUE}).")
    int top;

    @Mixin
    SuperWeightOptions superWeights;

    @Option(names = "--out", defaultValue = "out/token-shift", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of token-shift.json).")
    boolean json;

    static Path defaultLambada() {
        return Path.of(System.getProperty("superweight.shared", "../shared"), "data", "lambada_openai", "lambada_test.jsonl");
    }

    @Override
    public Integer call() {
        Condition c = Condition.parse(condition);
        if (prompts < 1) throw new SuperweightException("--prompts " + prompts + ": must be at least 1");
        if (top < 1) throw new SuperweightException("--top " + top + ": must be at least 1");
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (s.model.isEncoder()) {
                throw new SuperweightException(s.modelPath + ": token-shift measures how the next-token distribution shifts, and an "
                        + "encoder (" + s.model.config().architecture() + ") predicts no next token; use embed-ablate or ablate for its conditions");
            }
            List<int[]> ps = tokensFile != null ? s.promptsFromFile(tokensFile, true, "--tokens-file") : lambadaPrompts(s);
            if (ps.size() > prompts) ps = ps.subList(0, prompts);
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            IntFunction<String> pieces = s.pieces(tokensFile == null);
            TokenShift.Result r;
            try (Progress.Bar bar = Progress.console(spec.commandLine().getErr(), Duration.ofSeconds(30)).start("token-shift", "prompts", 2L * ps.size(), 0)) {
                r = TokenShift.compare(s.model, ps, Ablation.plan(c, s.model, sws), pieces, top, bar::step);
            }
            List<String> labels = r.topBefore().stream().map(t -> label(t.piece())).toList();
            Map<String, double[]> series = new LinkedHashMap<>();
            series.put("original", r.topBefore().stream().mapToDouble(TokenShift.TokenChange::before).toArray());
            series.put(c.label(), r.topBefore().stream().mapToDouble(TokenShift.TokenChange::after).toArray());
            List<Path> files = new ArrayList<>(ChartFiles.save(Figures.bars(s.model.id() + ": average next-token probability (" + ps.size() + " prompts)",
                    "token", "probability", labels, series), out, "token-shift"));
            files.add(out.resolve("token-shift.json"));
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", s.modelPath.toString());
            j.put("model_id", s.catalogQuery());
            j.put("condition", c.label());
            j.put("super_weights", AnalysisJson.superWeights(sws));
            j.put("super_weights_source", set.source());
            j.put("prompts", ps.size());
            j.put("stopword_share_before", r.stopwordShareBefore());
            j.put("stopword_share_after", r.stopwordShareAfter());
            j.put("top_before", changes(r.topBefore()));
            j.put("most_increased", changes(r.mostIncreased()));
            j.put("most_decreased", changes(r.mostDecreased()));
            j.put("files", files.stream().map(Path::toString).toList());
            Outputs.writeJson(out, "token-shift.json", j);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, j);
            } else {
                o.printf("%s, %d prompts, %s vs original%n", s.model.id(), ps.size(), c.label());
                print(o, set, r, files);
            }
            return 0;
        }
    }

    private static void print(PrintWriter o, AnalysisSession.SuperWeightSet set, TokenShift.Result r, List<Path> files) {
        o.println("super weights " + set.describe());
        o.printf("stopword/punctuation share of the next-token mass: %s -> %s%n",
                TextTable.percent(r.stopwordShareBefore()), TextTable.percent(r.stopwordShareAfter()));
        o.println("\nmost likely tokens of the original model:");
        o.print(table(r.topBefore()));
        o.println("\nlargest increases:");
        o.print(table(r.mostIncreased()));
        o.println("wrote " + String.join(", ", files.stream().map(Path::toString).toList()));
        o.flush();
    }

    /** The first texts of a LAMBADA JSONL file with the last space-separated word removed, as the paper's code does. */
    private List<int[]> lambadaPrompts(AnalysisSession s) {
        Path file = data != null ? data : defaultLambada();
        if (!Files.isRegularFile(file)) throw new SuperweightException(file + ": no such file (pass --data FILE or --tokens-file FILE)");
        List<int[]> r = new ArrayList<>();
        List<JsonNode> docs = Documents.jsonLines(file);   // the data set caps apply (RELIABILITY.md)
        for (int n = 0; n < docs.size() && r.size() < prompts; n++) {
            String text = docs.get(n).path("text").asText(null);
            if (text == null) throw new SuperweightException(file + " record " + (n + 1) + ": no \"text\" field");
            int cut = text.lastIndexOf(' ');
            if (cut <= 0) continue;
            r.add(s.encode(text.substring(0, cut), file + " record " + (n + 1)));
        }
        if (r.isEmpty()) throw new SuperweightException(file + ": no prompts");
        return r;
    }

    private static List<Map<String, Object>> changes(List<TokenShift.TokenChange> l) {
        return l.stream().map(t -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("token", t.token());
            m.put("text", t.piece());
            m.put("before", t.before());
            m.put("after", t.after());
            m.put("ratio", Double.isFinite(t.ratio()) ? t.ratio() : null);
            m.put("stopword", t.stopword());
            return m;
        }).toList();
    }

    private static TextTable table(List<TokenShift.TokenChange> l) {
        TextTable t = new TextTable("token", "text", "original", "changed", "ratio", "stopword");
        for (var c : l) t.row(c.token(), label(c.piece()), TextTable.num(c.before()), TextTable.num(c.after()), TextTable.num(c.ratio()), c.stopword() ? "yes" : "");
        return t;
    }

    /** Token text made visible: quotes around it, newlines escaped. */
    static String label(String piece) {
        return "'" + piece.replace("\n", "\\n") + "'";
    }
}
