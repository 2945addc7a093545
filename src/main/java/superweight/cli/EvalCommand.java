package superweight.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.eval.BosConvention;
import superweight.eval.EvalOptions;
import superweight.eval.SampleLog;
import superweight.eval.Evaluation;
import superweight.eval.Progress;
import superweight.eval.Results;
import superweight.eval.RunStore;
import superweight.eval.TaskResult;
import superweight.eval.Tasks;
import superweight.io.AtomicOutput;
import superweight.jobs.Derivation;
import superweight.jobs.Grid;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Zero-shot tasks scored as lm-evaluation-harness does (log-likelihood of each choice; acc, acc_norm, stderr).",
                "Finished items are stored as they complete (--store), so an interrupted run resumes where it stopped."})
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    KernelsOption kernels;

    @Option(names = "--tasks", required = true, split = ",",
            description = "Comma-separated: piqa, arc_easy, arc_challenge, hellaswag, lambada_openai, winogrande, sciq, wikitext.")
    List<String> tasks;

    @Option(names = "--limit", description = "Only the first N documents of each task.")
    Integer limit;

    @Option(names = "--data-dir", description = "Data directory (default: <superweight.shared>/data); the HF hub cache is searched too.")
    Path dataDir;

    @Option(names = "--store", description = "Run store (DuckDB file; default: ~/.cache/superweight/runs.duckdb).")
    Path store;

    @Option(names = "--no-store", description = "Keep results in memory only (no resume).")
    boolean noStore;

    @Mixin
    StoreWaitOption storeWait = new StoreWaitOption();

    @Option(names = "--condition", defaultValue = "baseline", description = "Label of this run in the store (default: ${DEFAULT-VALUE}).")
    String condition;

    @Option(names = "--add-bos", negatable = true,
            description = "Prepend BOS to every request (default: as the --lm-eval-bos version's HFLM does).")
    Boolean addBos;

    @Option(names = "--lm-eval-bos", defaultValue = "0.4.3", paramLabel = "VERSION",
            description = "Whose BOS default to follow: 0.4.3 (the paper's lm-eval: no BOS, except Gemma) or 0.4.10 "
                    + "(the tokenizer's own default, e.g. BOS for Llama); default ${DEFAULT-VALUE}.")
    String lmEvalBos;

    @Option(names = "--max-length", paramLabel = "N",
            description = "lm-eval's max_length (default: the context length the model declares; a larger one proceeds with a warning).")
    Integer maxLength;

    @Option(names = "--log-samples", paramLabel = "DIR",
            description = "Write lm-eval's per-sample log, DIR/samples_<task>.jsonl (doc_id, target, each choice's log-likelihood and is-greedy, acc, acc_norm, ...).")
    Path logSamples;

    @Option(names = "--threads", description = "Items scored at once (default: all cores for small models, else 1).")
    Integer threads;

    @Option(names = "--json", description = "Print the results as one JSON object in lm-eval's results shape.")
    boolean json;

    @Option(names = "--out", description = "Also write the JSON results to this file.")
    Path outFile;

    @Mixin
    ExecutorOptions executor;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        executor.resolve();
        if (limit != null && limit < 1) throw new SuperweightException("--limit " + limit + ": must be at least 1");
        if (threads != null && threads < 1) throw new SuperweightException("--threads " + threads + ": must be at least 1");
        List<String> names = tasks.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        names.forEach(Tasks::get);
        Path storeFile = noStore ? null : (store != null ? store : RunStore.defaultFile());
        if (maxLength != null && maxLength < 2) throw new SuperweightException("--max-length " + maxLength + ": must be at least 2");
        EvalOptions o = new EvalOptions(dataDir, limit == null ? 0 : limit, addBos, storeFile, threads == null ? 0 : threads,
                Progress.console(err, Duration.ofSeconds(30)), BosConvention.parse(lmEvalBos), maxLength == null ? 0 : maxLength,
                storeWait.duration());
        DatasetDownloads.ensure(names, dataDir, err);
        Model m = kernels.load(model);
        Results r;
        try {
            String warning = Evaluation.contextWarning(m, Evaluation.maxLength(m, o), "--max-length");
            if (warning != null) {
                err.println(warning);
                err.flush();
            }
            Tokenizer tokenizer = ModelTokenizer.load(model.path());
            // several tasks are a grid of units (one task stays the harness's plain loop)
            if (names.size() > 1) executor.run(model.path(), m, () -> tokenizer, List.of(new Grid.Cell(Derivation.InArithmetic.of(new Derivation.Unchanged(condition), kernels.mode(), kernels.cache()), names, List.of())), o, err);
            r = Evaluation.run(m, tokenizer, Interventions.NONE, condition, names, o);
        } finally {
            m.checkpoint().close();
        }
        if (logSamples != null) {
            for (TaskResult t : r.tasks()) {
                AtomicOutput.writeString(logSamples.resolve("samples_" + t.task() + ".jsonl"), SampleLog.jsonLines(Tasks.get(t.task()), t.sampleLog()));
            }
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        if (outFile != null) {
            if (outFile.toAbsolutePath().getParent() != null) Files.createDirectories(outFile.toAbsolutePath().getParent());
            AtomicOutput.writeString(outFile, mapper.writeValueAsString(r.toJson().put("kernels", kernels.label()).put("kv_cache", kernels.cacheLabel())) + "\n");
        }
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(r.toJson().put("kernels", kernels.label()).put("kv_cache", kernels.cacheLabel())));
        } else {
            printTable(out, r, kernels.text());
        }
        out.flush();
        return 0;
    }

    private static void printTable(PrintWriter out, Results r, String kernels) {
        out.printf("%s (%s), condition %s, kernels %s%n", r.model(), r.fingerprint().substring(0, 12), r.condition(), kernels);
        out.printf("%-16s %7s %-15s %9s %9s%n", "Task", "Version", "Metric", "Value", "Stderr");
        for (TaskResult t : r.tasks()) {
            for (String metric : List.of("acc", "acc_norm", "perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte")) {
                Double v = t.metric(metric);
                if (v == null) continue;
                Double se = t.metrics().get(metric + "_stderr,none");
                out.printf("%-16s %7.1f %-15s %9.4f %9s%n", t.task(), t.version(), metric, v,
                        se == null || se.isNaN() ? "N/A" : String.format("%.4f", se));
            }
        }
        if (Double.isNaN(r.average("acc"))) return;
        out.printf("%-16s %7s %-15s %9.4f   (%d tasks: %s)%n", "average", "", "acc", r.average("acc"), r.tasks().size(),
                String.join(", ", Arrays.asList(r.tasks().stream().map(TaskResult::task).toArray(String[]::new))));
    }
}
