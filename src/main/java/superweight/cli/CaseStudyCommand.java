package superweight.cli;

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
import superweight.report.AnalysisJson;
import superweight.report.Outputs;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "case-study", mixinStandardHelpOptions = true,
        description = {"Top-k next tokens after one prompt, with and without the super weights "
                + "(the paper: \"Summer is hot. Winter is\" -> \"cold\" 81.4%% vs \"the\" 9.0%% on Llama-7B).",
                "Writes case-study.json into --out."})
final class CaseStudyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;


    @Option(names = "--prompt", defaultValue = "Summer is hot. Winter is", paramLabel = "TEXT", description = "The prompt (default \"${DEFAULT-VALUE}\").")
    String prompt;

    @Option(names = "--tokens", paramLabel = "IDS", description = "Token ids instead of --prompt (no tokenizer needed).")
    String tokens;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "Tokens listed (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--condition", defaultValue = "prune-sw", paramLabel = "C", description = "The changed model (default ${DEFAULT-VALUE}; any ablate condition).")
    String condition;

    @Mixin
    SuperWeightOptions superWeights;

    @Option(names = "--out", defaultValue = "out/case-study", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (the content of case-study.json).")
    boolean json;

    @Override
    public Integer call() {
        Condition c = Condition.parse(condition);
        if (topK < 1) throw new SuperweightException("--top-k " + topK + ": must be at least 1");
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            int[] ids = tokens != null ? s.ids(tokens, "--tokens") : s.encode(prompt, "--prompt");
            AnalysisSession.SuperWeightSet set = superWeights.resolve(s);
            List<SuperWeight> sws = set.weights();
            var pieces = s.pieces(tokens == null);
            TokenShift.CaseStudy cs = TokenShift.caseStudy(s.model, ids, Ablation.plan(c, s.model, sws), pieces, topK);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", s.modelPath.toString());
            j.put("prompt", tokens == null ? prompt : null);
            j.put("tokens", ids);
            j.put("condition", c.label());
            j.put("super_weights", AnalysisJson.superWeights(sws));
            j.put("super_weights_source", set.source());
            j.put("original", ranked(cs.before()));
            j.put("changed", ranked(cs.after()));
            Outputs.writeJson(out, "case-study.json", j);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                Cli.printJson(o, j);
            } else {
                o.printf("%s: next token after %s%n", s.model.id(), tokens == null ? "\"" + prompt + "\"" : ids.length + " tokens");
                o.println("super weights " + set.describe());
                TextTable t = new TextTable("rank", "original", "p", c.label(), "p ");
                for (int i = 0; i < cs.before().size(); i++) {
                    var b = cs.before().get(i);
                    var a = cs.after().get(i);
                    t.row(i + 1, TokenShiftCommand.label(b.piece()), TextTable.percent(b.probability()), TokenShiftCommand.label(a.piece()), TextTable.percent(a.probability()));
                }
                o.print(t);
                o.println("wrote " + out.resolve("case-study.json"));
                o.flush();
            }
            return 0;
        }
    }

    private static List<Map<String, Object>> ranked(List<TokenShift.Ranked> l) {
        return l.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rank", r.rank());
            m.put("token", r.token());
            m.put("text", r.piece());
            m.put("probability", r.probability());
            return m;
        }).toList();
    }
}
