package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.analysis.TokenShift;
import superweight.eval.DataDirs;
import superweight.eval.DataSource;
import superweight.eval.EvalOptions;
import superweight.eval.Evaluation;
import superweight.eval.Progress;
import superweight.eval.Results;
import superweight.eval.TaskResult;
import superweight.eval.TaskSpec;
import superweight.eval.Tasks;
import superweight.model.Model;
import superweight.report.Chart;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.HtmlReport;
import superweight.report.TextTable;
import superweight.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The report's decoder sections that read text through the model's tokenizer: zero-shot items of the Table-1
 * ablation, the stopword shift (Figure 5) and the case study. Data come from the eval package's sources (the data
 * directory, then the Hugging Face datasets cache), the same files ablate, eval and token-shift read.
 */
final class ReportText {
    /** The few tasks of the quick ablation; --full runs the paper's seven. */
    static final List<String> QUICK_TASKS = List.of("piqa", "arc_easy", "lambada_openai");
    static final List<String> PAPER_TASKS = List.of("arc_challenge", "arc_easy", "hellaswag", "lambada_openai", "piqa", "sciq", "winogrande");
    static final String LAMBADA = "lambada_openai";

    private final Model model;
    private final Tokenizer tokenizer;
    private final boolean synthetic;
    private final DataDirs dirs;

    ReportText(Model model, Tokenizer tokenizer, boolean synthetic, Path dataDir) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.synthetic = synthetic;
        this.dirs = DataDirs.of(dataDir);
    }

    /** Where a task's documents are read from (the first source that exists), or the one-line "not found" error. */
    String dataFile(String task) {
        TaskSpec spec = Tasks.get(task);
        for (DataSource s : spec.sources()) {
            List<Path> files = s.locate().apply(dirs);
            if (!files.isEmpty()) return files.getFirst().toString();
        }
        Tasks.documents(spec, dirs);   // throws the error that lists every place looked at
        throw new IllegalStateException("unreachable: " + task);
    }

    /** The tasks whose data exist; the others are listed in {@code missing} with the reason. */
    List<String> available(List<String> tasks, Map<String, String> missing) {
        List<String> ok = new ArrayList<>();
        for (String t : tasks) {
            try {
                dataFile(t);
                ok.add(t);
            } catch (SuperweightException e) {
                missing.put(t, e.getMessage());
            }
        }
        return ok;
    }

    /**
     * lm-eval's options for the quick ablation: the first {@code items} documents of each task, 0.4.3 BOS semantics,
     * except on the demo model, whose super activation is planted on BOS: there every request starts with BOS.
     */
    EvalOptions options(int items, Path store) {
        return new EvalOptions(dirs.dataDir(), items, synthetic ? Boolean.TRUE : null, store, 0, Progress.NONE);
    }

    String semantics(int items) {
        return "lm-evaluation-harness 0.4.3 semantics (zero-shot; acc = argmax of the summed continuation log-likelihood, acc_norm "
                + "by characters; lambada acc = every target token greedy), " + (items > 0 ? "the first " + items + " documents" : "all documents")
                + " of each task" + (synthetic ? ", BOS prepended to every request (add_bos_token=True: the demo's super activation is "
                + "planted on BOS; lm-eval 0.4.3's default for llama models is no BOS)" : ", add_bos_token as lm-eval 0.4.3 sets it");
    }

    /** acc (and acc_norm where the task has it) per task under one condition. */
    Map<String, Map<String, Double>> zeroShot(Ablation.Plan plan, String condition, List<String> tasks, EvalOptions o) {
        Results r = Evaluation.run(plan.model(), tokenizer, plan.interventions(), condition, tasks, o);
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        for (TaskResult t : r.tasks()) {
            Map<String, Double> v = new LinkedHashMap<>();
            for (String k : List.of("acc", "acc_norm")) if (t.metric(k) != null) v.put(k, t.metric(k));
            m.put(t.task(), v);
        }
        return m;
    }

    /** The stopword shift (Figure 5) over the first {@code prompts} LAMBADA texts without their last word. */
    Map<String, Object> stopwordShift(HtmlReport html, List<Path> files, Path out, String name, List<SuperWeight> sws, int prompts, int top) {
        String file = dataFile(LAMBADA);
        List<int[]> ps = lambadaPrompts(prompts);
        Condition c = Condition.parse("prune-sw");
        IntFunction<String> pieces = this::pieceText;
        TokenShift.Result r = TokenShift.compare(model, ps, Ablation.plan(c, model, sws), pieces, top, () -> { });
        List<TokenShift.TokenChange> shown = shownTokens(r, pieces, top);
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("original", shown.stream().mapToDouble(TokenShift.TokenChange::before).toArray());
        series.put("super weights removed (prune-sw)", shown.stream().mapToDouble(TokenShift.TokenChange::after).toArray());
        Chart chart = Figures.bars(name + ": average next-token probability", "token (* = stopword or punctuation)",
                "average probability", shown.stream().map(t -> (t.stopword() ? "*" : "") + TokenShiftCommand.label(t.piece())).toList(), series);
        files.addAll(ChartFiles.save(chart, out, "token-shift"));
        html.section("token-shift", "Stopword shift (Figure 5)")
                .run("TokenShift.compare: the next-token distribution after each of the first " + ps.size() + " LAMBADA texts without their last "
                        + "word (" + file + "; encoded with BOS " + (bos() ? "prepended" : "omitted") + ", the first tokens dropped beyond the context of "
                        + model.config().contextLength() + "), averaged over prompts, original vs every super weight zeroed (prune-sw); stopwords = "
                        + "TokenShift.STOPWORDS (English function words and punctuation).")
                .table("token-shift", List.of("", "original", "prune-sw"), List.of(
                        List.of("stopword/punctuation share of the next-token mass", TextTable.percent(r.stopwordShareBefore()), TextTable.percent(r.stopwordShareAfter()))))
                .table("token-shift-tokens", List.of("token", "stopword", "original", "prune-sw"), shown.stream().map(t -> List.of(
                        TokenShiftCommand.label(t.piece()), t.stopword() ? "yes" : "no", TextTable.num(t.before()), TextTable.num(t.after()))).toList())
                .figure("fig-token-shift", chart, "Figure 5 style: the most likely stopwords and other tokens, before and after (token-shift.png/.svg).");
        if (synthetic) html.note("The demo model is random: which tokens it favours, and how removing its planted super weight moves them, is noise. "
                + "The paper's Figure 5 shows Llama-7B putting much more probability on stopwords once its super weight is removed.");
        html.endSection();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("data", file);
        j.put("prompts", ps.size());
        j.put("condition", c.label());
        j.put("stopword_share_before", r.stopwordShareBefore());
        j.put("stopword_share_after", r.stopwordShareAfter());
        j.put("tokens", shown.stream().map(t -> Map.of("token", t.token(), "text", t.piece(), "stopword", t.stopword(), "before", t.before(), "after", t.after())).toList());
        return j;
    }

    /** The {@code top}/2 most likely stopwords, then as many most likely other tokens, by original probability. */
    private static List<TokenShift.TokenChange> shownTokens(TokenShift.Result r, IntFunction<String> pieces, int top) {
        List<TokenShift.TokenChange> all = new ArrayList<>();
        for (int i = 0; i < r.before().length; i++) {
            String p = pieces.apply(i);
            all.add(new TokenShift.TokenChange(i, p, r.before()[i], r.after()[i], TokenShift.isStopword(p)));
        }
        all.sort(Comparator.comparingDouble(TokenShift.TokenChange::before).reversed());
        List<TokenShift.TokenChange> shown = new ArrayList<>(all.stream().filter(TokenShift.TokenChange::stopword).limit(top / 2).toList());
        shown.addAll(all.stream().filter(t -> !t.stopword()).limit(top - shown.size()).toList());
        return shown;
    }

    /** The paper's case study: the top-k next tokens after one prompt, original vs super weights zeroed. */
    Map<String, Object> caseStudy(HtmlReport html, String prompt, List<SuperWeight> sws, int k) {
        int[] ids = encode(prompt);
        TokenShift.CaseStudy cs = TokenShift.caseStudy(model, ids, Ablation.plan(Condition.parse("prune-sw"), model, sws), this::pieceText, k);
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < cs.before().size(); i++) {
            var b = cs.before().get(i);
            var a = cs.after().get(i);
            rows.add(List.of(Integer.toString(i + 1), TokenShiftCommand.label(b.piece()), TextTable.percent(b.probability()),
                    TokenShiftCommand.label(a.piece()), TextTable.percent(a.probability())));
        }
        html.section("case-study", "Case study: one prompt")
                .run("TokenShift.caseStudy: the " + k + " most likely next tokens after \"" + prompt + "\" (" + ids.length + " token ids, BOS "
                        + (bos() ? "first" : "omitted") + "), original vs every super weight zeroed (prune-sw).")
                .table("case-study", List.of("rank", "original", "p", "prune-sw", "p "), rows);
        html.note(synthetic ? "The demo model is random, so its continuation of the prompt is arbitrary; the paper's Llama-7B says \"cold\" (81.4%) "
                + "and, without its super weight, \"the\" (9.0%)." : "The paper's Llama-7B: \"cold\" 81.4% originally, \"the\" 9.0% without its super weight.");
        html.endSection();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("prompt", prompt);
        j.put("tokens", ids);
        j.put("original", cs.before().stream().map(r -> Map.of("token", r.token(), "text", r.piece(), "probability", r.probability())).toList());
        j.put("prune-sw", cs.after().stream().map(r -> Map.of("token", r.token(), "text", r.piece(), "probability", r.probability())).toList());
        return j;
    }

    private boolean bos() {
        return tokenizer.addBosByDefault() && tokenizer.bosId() >= 0;
    }

    /** Text as the model sees it: BOS when its tokenizer asks for one, the first tokens after BOS dropped beyond the context. */
    private int[] encode(String text) {
        int[] ids = tokenizer.encode(text, bos(), false);
        int ctx = model.config().contextLength();
        if (ids.length <= ctx) return ids;
        int keep = bos() ? 1 : 0;
        int[] r = new int[ctx];
        System.arraycopy(ids, 0, r, 0, keep);
        System.arraycopy(ids, ids.length - (ctx - keep), r, keep, ctx - keep);
        return r;
    }

    /** LAMBADA texts minus their last space-separated word, as the paper's code and token-shift form them. */
    private List<int[]> lambadaPrompts(int n) {
        List<int[]> r = new ArrayList<>();
        for (JsonNode d : Tasks.documents(Tasks.get(LAMBADA), dirs)) {
            if (r.size() == n) break;
            String text = d.path("text").asText("");
            int cut = text.lastIndexOf(' ');
            if (cut > 0) r.add(encode(text.substring(0, cut)));
        }
        if (r.isEmpty()) throw new SuperweightException(LAMBADA + ": no prompts in " + dataFile(LAMBADA));
        return r;
    }

    /** A token's text for tables: its decoding, or its piece where that is empty, not valid UTF-8 on its own or a control character. */
    private String pieceText(int id) {
        if (id >= tokenizer.vocabSize()) return "#" + id;
        String s = tokenizer.decode(new int[]{id});
        return s.isEmpty() || s.indexOf('\uFFFD') >= 0 || s.chars().anyMatch(Character::isISOControl) ? tokenizer.piece(id) : s;
    }
}
