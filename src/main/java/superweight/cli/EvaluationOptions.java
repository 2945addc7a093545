package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.engine.Interventions;
import superweight.engine.NumericalFault;
import superweight.engine.Transformer;
import superweight.eval.EvalOptions;
import superweight.eval.Evaluation;
import superweight.eval.Perplexity;
import superweight.eval.Progress;
import superweight.eval.Results;
import superweight.eval.RunStore;
import superweight.eval.TaskResult;
import superweight.eval.Tasks;
import superweight.model.Model;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How ablate and sweep score each condition (mixed into both): perplexity on text data sets and zero-shot tasks
 * through the eval package (finished items and windows kept in its run store under the condition's label, so an
 * interrupted run resumes), and perplexity of a raw token stream for checkpoints without a tokenizer.
 */
final class EvaluationOptions {
    @Option(names = "--ppl", split = ",", paramLabel = "DATA",
            description = "Perplexity data sets, comma separated: wikitext2, c4, or text file paths (needs the tokenizer).")
    List<String> pplDatasets;

    @Option(names = "--ppl-style", defaultValue = "gptq", paramLabel = "STYLE", description = "gptq or llamacpp windows (default ${DEFAULT-VALUE}).")
    String pplStyle;

    @Option(names = "--ctx", defaultValue = "0", paramLabel = "N", description = "Perplexity window length (default: the style's, 2048 or 512, capped at the model's context).")
    int ctx;

    @Option(names = "--ppl-limit", defaultValue = "0", paramLabel = "N", description = "Only the first N perplexity windows (0 = all).")
    int pplLimit;

    @Option(names = "--tasks", split = ",", paramLabel = "TASKS",
            description = "Zero-shot tasks, comma separated (e.g. arc_easy,arc_challenge,piqa,hellaswag,winogrande,sciq,lambada_openai).")
    List<String> tasks;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Only the first N documents of each task (0 = all).")
    int limit;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (default: <superweight.shared>/data).")
    Path dataDir;

    @Option(names = "--store", paramLabel = "FILE", description = "Run store of finished items (default: the eval package's, ~/.cache/superweight/runs.duckdb).")
    Path store;

    @Option(names = "--no-store", description = "Keep nothing between runs (no resume).")
    boolean noStore;

    @picocli.CommandLine.Mixin
    StoreWaitOption storeWait = new StoreWaitOption();

    @Option(names = "--ppl-tokens", paramLabel = "IDS|FILE",
            description = "Perplexity of this token stream (ids inline or a file of whitespace/comma separated ids) in "
                    + "non-overlapping windows of --window tokens, GPTQ style (no tokenizer needed).")
    String pplTokens;

    @Option(names = "--window", defaultValue = "512", paramLabel = "N", description = "Window length for --ppl-tokens (default ${DEFAULT-VALUE}, reduced to the stream length).")
    int window;

    @Option(names = "--max-windows", defaultValue = "0", paramLabel = "N", description = "Score at most N windows of --ppl-tokens (0 = all).")
    int maxWindows;

    private int[] stream;
    private Perplexity.Style style;
    private Progress progress;
    private PrintWriter progressErr;

    /** True when any perplexity data, task or token stream was asked for. */
    boolean requested() {
        return pplDatasets != null && !pplDatasets.isEmpty() || tasks != null && !tasks.isEmpty() || pplTokens != null;
    }

    /** Checks the options and reads the inputs once, before any condition runs. */
    void prepare(AnalysisSession s, PrintWriter err) {
        boolean ppl = pplDatasets != null && !pplDatasets.isEmpty(), anyTasks = tasks != null && !tasks.isEmpty();
        if (!requested()) {
            throw new SuperweightException("nothing to evaluate: give --ppl wikitext2[,c4], --tasks TASKS and/or --ppl-tokens IDS|FILE");
        }
        style = switch (pplStyle.toLowerCase(Locale.ROOT)) {
            case "gptq" -> Perplexity.Style.GPTQ;
            case "llamacpp", "llama.cpp" -> Perplexity.Style.LLAMACPP;
            default -> throw new SuperweightException("--ppl-style " + pplStyle + ": expected gptq or llamacpp");
        };
        if (ctx < 0 || ctx == 1) throw new SuperweightException("--ctx " + ctx + ": must be at least 2");
        if (pplLimit < 0) throw new SuperweightException("--ppl-limit " + pplLimit + ": must be at least 0");
        storeWait.duration();   // a negative --store-wait fails now, not after the first condition
        if (limit < 0) throw new SuperweightException("--limit " + limit + ": must be at least 0");
        if (anyTasks) tasks.forEach(Tasks::get);   // unknown names fail now, not after the first condition
        DatasetDownloads.ensure(java.util.stream.Stream.concat((ppl ? pplDatasets : List.<String>of()).stream(),
                (anyTasks ? tasks : List.<String>of()).stream()).toList(), dataDir, err);
        if (ppl || anyTasks) s.tokenizer();
        progress = Progress.console(err, Duration.ofSeconds(30));
        progressErr = err;
        if (pplTokens != null) {
            String text = pplTokens;
            Path p = Path.of(pplTokens.trim());
            if (!pplTokens.isBlank() && Files.isRegularFile(p)) {
                try {
                    text = Files.readString(p);
                } catch (IOException e) {
                    throw new SuperweightException(p + ": cannot read (" + e.getMessage() + ")", e);
                }
            }
            stream = s.ids(text, "--ppl-tokens");
            if (window < 2) throw new SuperweightException("--window " + window + ": must be at least 2");
            if (stream.length < 2) throw new SuperweightException("--ppl-tokens: at least 2 tokens are needed");
            if (maxWindows < 0) throw new SuperweightException("--max-windows " + maxWindows + ": must be at least 0");
        }
    }

    Path storeFile() {
        return noStore ? null : (store != null ? store : RunStore.defaultFile());
    }

    /** How tasks are evaluated (a grid's units use the same options, so their items are stored under the same keys). */
    EvalOptions taskOptions() {
        return new EvalOptions(dataDir, limit, null, storeFile(), 0, progress).withStoreWait(storeWait.duration());
    }

    /**
     * metric -> value for one condition: "ppl:DATA" per data set, "ppl:tokens" for the token stream, "acc:TASK"
     * (and "acc_norm:TASK" where the task reports it) per task, and "acc:avg", the unweighted mean of acc.
     */
    Map<String, Double> evaluate(AnalysisSession s, String condition, Ablation.Plan plan) {
        return evaluate(s, plan.model(), condition, plan.interventions());
    }

    /** The same for a model derived from the session's (a quantized copy); its derivation keys the stored results. */
    Map<String, Double> evaluate(AnalysisSession s, Model model, String condition, Interventions iv) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (pplDatasets != null) {
            for (String ds : pplDatasets) {
                var o = new Evaluation.PerplexityOptions(ctx, style, pplLimit, dataDir, storeFile(), condition, progress,
                        storeWait.duration());
                finite(m, "ppl:" + ds, condition, () -> Map.of("ppl:" + ds, Evaluation.perplexity(model, s.tokenizer(), iv, ds, o).ppl()));
            }
        }
        if (stream != null) {
            int w = Math.min(window, stream.length);
            var o = new Perplexity.Options(w, Perplexity.Style.GPTQ, maxWindows);
            finite(m, "ppl:tokens", condition, () -> Map.of("ppl:tokens",
                    Perplexity.compute(new Transformer(model), iv, stream, -1, o, "--ppl-tokens", null).ppl()));
        }
        if (tasks != null && !tasks.isEmpty()) {
            EvalOptions o = taskOptions();
            finite(m, "acc:avg", condition, () -> {
                Map<String, Double> t = new LinkedHashMap<>();
                Results r = Evaluation.run(model, s.tokenizer(), iv, condition, tasks, o);
                for (TaskResult tr : r.tasks()) {
                    if (tr.metric("acc") != null) t.put("acc:" + tr.task(), tr.metric("acc"));
                    if (tr.metric("acc_norm") != null) t.put("acc_norm:" + tr.task(), tr.metric("acc_norm"));
                    if (tr.metric("perplexity") != null) t.put("ppl:" + tr.task(), tr.metric("perplexity"));
                    if (tr.metric("word_perplexity") != null) t.put("word_ppl:" + tr.task(), tr.metric("word_perplexity"));
                }
                if (r.tasks().stream().anyMatch(tr -> tr.metric("acc") != null)) t.put("acc:avg", r.average("acc"));
                return t;
            });
        }
        return m;
    }

    /**
     * Adds the metrics {@code compute} returns; when the condition drives the forward pass to NaN/Inf (a sweep cell
     * scaling the super weights by a huge factor), records {@code key} as NaN with a note and lets the sweep go on.
     */
    private void finite(Map<String, Double> m, String key, String condition, java.util.function.Supplier<Map<String, Double>> compute) {
        try {
            m.putAll(compute.get());
        } catch (NumericalFault e) {
            m.put(key, Double.NaN);
            progressErr.println("note: " + condition + " " + key + ": NaN, the forward pass is not finite (" + e.getMessage() + ")");
            progressErr.flush();
        }
    }
}
