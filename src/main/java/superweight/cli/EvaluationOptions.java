package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.engine.Interventions;
import superweight.engine.NumericalFault;
import superweight.eval.EvalOptions;
import superweight.eval.Evaluation;
import superweight.eval.Perplexity;
import superweight.eval.PerplexityStream;
import superweight.eval.Progress;
import superweight.eval.Results;
import superweight.eval.TaskResult;
import superweight.eval.Tasks;
import superweight.jobs.PerplexitySet;
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

    @picocli.CommandLine.Mixin
    DataDirOption data = new DataDirOption();

    @picocli.CommandLine.Mixin
    RunStoreOptions runStore = new RunStoreOptions();

    @Option(names = "--ppl-tokens", paramLabel = "IDS|FILE",
            description = "Perplexity of this token stream (ids inline or a file of whitespace/comma separated ids) in "
                    + "non-overlapping windows of --window tokens, GPTQ style (no tokenizer needed).")
    String pplTokens;

    @Option(names = "--window", defaultValue = "512", paramLabel = "N", description = "Window length for --ppl-tokens (default ${DEFAULT-VALUE}, reduced to the stream length).")
    int window;

    @Option(names = "--max-windows", defaultValue = "0", paramLabel = "N", description = "Score at most N windows of --ppl-tokens (0 = all).")
    int maxWindows;

    /** Every perplexity set by its metric name (ppl:DATA, ppl:tokens), tokenized once for all conditions. */
    private final Map<String, PerplexityStream> streams = new LinkedHashMap<>();
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
        runStore.waitFor();   // a negative --store-wait fails now, not after the first condition
        if (limit < 0) throw new SuperweightException("--limit " + limit + ": must be at least 0");
        if (anyTasks) tasks.forEach(Tasks::get);   // unknown names fail now, not after the first condition
        DatasetDownloads.ensure(java.util.stream.Stream.concat((ppl ? pplDatasets : List.<String>of()).stream(),
                (anyTasks ? tasks : List.<String>of()).stream()).toList(), dataDir(), err);
        if (ppl || anyTasks) s.tokenizer();
        progress = Progress.console(err, Duration.ofSeconds(30));
        progressErr = err;
        if (ppl) {
            var o = new Evaluation.PerplexityOptions(ctx, style, pplLimit, dataDir(), null, null, null);
            for (String ds : pplDatasets) streams.put("ppl:" + ds, Evaluation.perplexityStream(s.model, s.tokenizer(), ds, o));
        }
        if (pplTokens != null) streams.put("ppl:tokens", tokenStream(s));
    }

    /** --ppl-tokens in GPTQ windows of --window tokens (at most the stream's length), stored as the data set "tokens". */
    private PerplexityStream tokenStream(AnalysisSession s) {
        String text = pplTokens;
        Path p = Path.of(pplTokens.trim());
        if (!pplTokens.isBlank() && Files.isRegularFile(p)) {
            try {
                text = Files.readString(p);
            } catch (IOException e) {
                throw new SuperweightException(p + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        int[] stream = s.ids(text, "--ppl-tokens");
        if (window < 2) throw new SuperweightException("--window " + window + ": must be at least 2");
        if (stream.length < 2) throw new SuperweightException("--ppl-tokens: at least 2 tokens are needed");
        if (maxWindows < 0) throw new SuperweightException("--max-windows " + maxWindows + ": must be at least 0");
        return PerplexityStream.of("tokens", Perplexity.Style.GPTQ, Math.min(window, stream.length), -1, stream, maxWindows, "", null);
    }

    Path dataDir() {
        return data.dataDir;
    }

    /** The perplexity sets as grid tasks of windows. */
    List<PerplexitySet> perplexitySets() {
        return streams.values().stream().map(PerplexitySet::of).toList();
    }

    Path storeFile() {
        return runStore.file();
    }

    /** How tasks are evaluated (a grid's units use the same options, so their items are stored under the same keys). */
    EvalOptions taskOptions() {
        return new EvalOptions(dataDir(), limit, null, storeFile(), 0, progress).withStoreWait(runStore.waitFor());
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
        streams.forEach((metric, stream) -> finite(m, metric, condition, () -> Map.of(metric,
                Evaluation.perplexity(model, iv, stream, condition, storeFile(), runStore.waitFor(), progress).ppl())));
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
