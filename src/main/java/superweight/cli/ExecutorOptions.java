package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.eval.EvalOptions;
import superweight.eval.ModelFingerprint;
import superweight.jobs.Derivation;
import superweight.jobs.EvalSettings;
import superweight.jobs.Executor;
import superweight.jobs.Grid;
import superweight.jobs.GridRun;
import superweight.jobs.LocalExecutor;
import superweight.jobs.UnitRunner;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where the grid commands (ablate, sweep, quant-sweep, eval over several tasks) run their units (a picocli mixin):
 * the task items of every condition go through the jobs package on the chosen executor and into the run store,
 * and the command then builds its tables from the store as it always did.
 */
final class ExecutorOptions {
    @Option(names = "--executor", defaultValue = "local", paramLabel = "NAME",
            description = "Where the grid's work units run: local (this JVM; default) or spark (the superweight-spark module, docs/distributed.md).")
    String executor;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master URL with --executor spark (default: spark.master as spark-submit sets it, else local[*]).")
    String master;

    @Option(names = "--unit-items", defaultValue = "" + Grid.DEFAULT_UNIT_ITEMS, paramLabel = "N",
            description = "Items of one task per work unit (default ${DEFAULT-VALUE}).")
    int unitItems;

    /** The executor, checked before any model is opened. */
    Executor resolve() {
        if (master != null && executor.equals("local")) throw new SuperweightException("--master " + master + ": only with --executor spark");
        if (unitItems < 1) throw new SuperweightException("--unit-items " + unitItems + ": must be at least 1");
        return Executor.named(executor);
    }

    /**
     * Runs the task units of {@code derivations} on a remote executor through the store file; nothing for the local
     * executor, without tasks or without a store (the command's own pass computes everything, as before).
     */
    void run(Path modelPath, Model model, Supplier<Tokenizer> tokenizer, List<Derivation> derivations, List<String> tasks, EvalOptions o,
             PrintWriter err) {
        Executor e = resolve();
        // Locally the command's own pass is the executor: it scores and stores item by item under the same keys, so a
        // grid pass first would only derive every model twice (a quantized copy each time).
        if (e instanceof LocalExecutor || tasks == null || tasks.isEmpty() || o.store() == null) return;
        Grid grid = new Grid(modelPath.toAbsolutePath().toString(), ModelFingerprint.of(model), derivations, tasks, EvalSettings.of(o), unitItems);
        GridRun.run(grid, e, master, new UnitRunner.Opened(model, tokenizer), o.store(), err, Duration.ofSeconds(30));
    }

    /** The same for the analysis commands' evaluation options. */
    void run(AnalysisSession s, EvaluationOptions evaluation, List<Derivation> derivations, PrintWriter err) {
        run(s.modelPath, s.model, s::tokenizer, derivations, evaluation.tasks, evaluation.taskOptions(), err);
    }
}
