package superweight.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.eval.Evaluation;
import superweight.eval.Perplexity;
import superweight.eval.PerplexityResult;
import superweight.eval.Progress;
import superweight.eval.RunStore;
import superweight.io.AtomicOutput;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ppl", mixinStandardHelpOptions = true,
        description = {"Perplexity of a model on WikiText-2, C4 or a text file, as GPTQ/AWQ papers or llama.cpp measure it.",
                "c4: GPTQ's original rule (256 random windows, Python random.seed(0)); c4-new: GPTQ's c4-new rule; on documents",
                "other than GPTQ's validation shard (the shared sample) the data set is reported as c4-like / c4-new-like.",
                "gptq style: the text tokenized once, non-overlapping windows of --ctx tokens, mean NLL over every predicted token.",
                "llamacpp style: windows of --ctx (default 512) with BOS as first token, only the second half scored."})
public final class PplCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Mixin
    KernelsOption kernels;

    @Option(names = "--dataset", required = true, description = "wikitext2, c4, c4-new, or the path of a UTF-8 text file.")
    String dataset;

    @Option(names = "--ctx", description = "Window length in tokens (default: 2048 for gptq, 512 for llamacpp, or the model's declared context if shorter; "
            + "an explicit value beyond the declared context proceeds with a warning).")
    Integer ctx;

    @Option(names = "--limit", description = "Only the first N windows.")
    Integer limit;

    @Option(names = "--style", defaultValue = "gptq", description = "gptq or llamacpp (default: ${DEFAULT-VALUE}).")
    String style;

    @Option(names = "--data-dir", description = "Data directory (default: <superweight.shared>/data).")
    Path dataDir;

    @Option(names = "--store", description = "Run store for finished windows (DuckDB file; default: ~/.cache/superweight/runs.duckdb).")
    Path store;

    @Option(names = "--no-store", description = "Keep nothing (no resume).")
    boolean noStore;

    @Mixin
    StoreWaitOption storeWait = new StoreWaitOption();

    @Option(names = "--condition", defaultValue = "baseline", description = "Label of this run in the store (default: ${DEFAULT-VALUE}).")
    String condition;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--windows-out", paramLabel = "FILE",
            description = "Write every window's NLL as JSON lines (window, first_scored_token, tokens, nll_sum, nll, ppl).")
    Path windowsOut;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Map<String, Object> summary(PerplexityResult r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("dataset", r.dataset());
        o.put("rule", r.rule());
        o.put("source", r.source() == null ? null : r.source().toString());
        o.put("style", r.style());
        o.put("ppl", r.ppl());
        o.put("nll", r.nll());
        o.put("tokens", r.tokens());
        o.put("windows", r.windows());
        o.put("ctx", r.ctx());
        return o;
    }

    /** One JSON object per window, so any window can be compared with another tool's. */
    static String windowLines(PerplexityResult r) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (PerplexityResult.Window w : r.perWindow()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("dataset", r.dataset());
            o.put("window", w.index());
            o.put("first_scored_token", w.firstScoredToken());
            o.put("tokens", w.scored());
            o.put("nll_sum", w.nllSum());
            o.put("nll", w.meanNll());
            o.put("ppl", Math.exp(w.meanNll()));
            sb.append(MAPPER.writeValueAsString(o)).append('\n');
        }
        return sb.toString();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (limit != null && limit < 1) throw new SuperweightException("--limit " + limit + ": must be at least 1");
        if (ctx != null && ctx < 2) throw new SuperweightException("--ctx " + ctx + ": must be at least 2");
        Perplexity.Style st = switch (style.toLowerCase()) {
            case "gptq" -> Perplexity.Style.GPTQ;
            case "llamacpp", "llama.cpp" -> Perplexity.Style.LLAMACPP;
            default -> throw new SuperweightException("--style " + style + ": expected gptq or llamacpp");
        };
        Path storeFile = noStore ? null : (store != null ? store : RunStore.defaultFile());
        var opts = new Evaluation.PerplexityOptions(ctx == null ? 0 : ctx, st, limit == null ? 0 : limit, dataDir, storeFile,
                condition, Progress.console(err, Duration.ofSeconds(30)), storeWait.duration());
        Model m = kernels.load(model);
        try {
            int window = Evaluation.windowLength(m, opts);
            int preferred = st == Perplexity.Style.LLAMACPP ? 512 : 2048;
            if (ctx == null && window < preferred) {
                err.println("note: using ctx " + window + ", the model's maximum context (the " + style + " default is " + preferred + ")");
            }
            String warning = Evaluation.contextWarning(m, window, "--ctx");
            if (warning != null) err.println(warning);
            err.flush();
            Tokenizer tok = ModelTokenizer.load(model.path());
            DatasetDownloads.ensure(java.util.List.of(dataset), dataDir, err);
            PerplexityResult r = Evaluation.perplexity(m, tok, Interventions.NONE, dataset, opts);
            if (windowsOut != null) AtomicOutput.writeString(windowsOut, windowLines(r));
            if (json) {
                Map<String, Object> o = summary(r);
                o.put("kernels", kernels.label());
                o.put("kv_cache", kernels.cacheLabel());
                out.println(MAPPER.writeValueAsString(o));
            } else {
                out.printf("%s (%s style, ctx %d, %d windows, %d scored tokens): ppl %.4f, mean NLL %.6f%n",
                        r.dataset(), r.style(), r.ctx(), r.windows(), r.tokens(), r.ppl(), r.nll());
                out.printf("  rule: %s; data: %s; kernels: %s%n", r.rule(), r.source(), kernels.text());
            }
            out.flush();
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }
}
