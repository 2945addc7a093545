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
                "gptq style: the text tokenized once, non-overlapping windows of --ctx tokens, mean NLL over every predicted token.",
                "llamacpp style: windows of --ctx (default 512) with BOS as first token, only the second half scored."})
public final class PplCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--dataset", required = true, description = "wikitext2, c4, or the path of a UTF-8 text file.")
    String dataset;

    @Option(names = "--ctx", description = "Window length in tokens (default: 2048 for gptq, 512 for llamacpp, or the model's context if shorter).")
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

    @Option(names = "--condition", defaultValue = "baseline", description = "Label of this run in the store (default: ${DEFAULT-VALUE}).")
    String condition;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

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
                condition, Progress.console(err, Duration.ofSeconds(30)));
        Model m = model.load();
        try {
            int window = Evaluation.windowLength(m, opts);
            int preferred = st == Perplexity.Style.LLAMACPP ? 512 : 2048;
            if (ctx == null && window < preferred) {
                err.println("note: using ctx " + window + ", the model's maximum context (the " + style + " default is " + preferred + ")");
                err.flush();
            }
            Tokenizer tok = ModelTokenizer.load(model.path());
            PerplexityResult r = Evaluation.perplexity(m, tok, Interventions.NONE, dataset, opts);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("dataset", r.dataset());
                o.put("style", r.style());
                o.put("ppl", r.ppl());
                o.put("nll", r.nll());
                o.put("tokens", r.tokens());
                o.put("windows", r.windows());
                o.put("ctx", r.ctx());
                out.println(new ObjectMapper().writeValueAsString(o));
            } else {
                out.printf("%s (%s style, ctx %d, %d windows, %d scored tokens): ppl %.4f, mean NLL %.6f%n",
                        r.dataset(), r.style(), r.ctx(), r.windows(), r.tokens(), r.ppl(), r.nll());
            }
            out.flush();
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }
}
