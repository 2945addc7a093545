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
 * Where the grid commands (ablate, sweep, quant-sweep, eval over several tasks, report) run their units (a picocli
 * mixin): the task items and perplexity windows of every condition go through the jobs package on the chosen
 * executor and into the run store, and the command then builds its tables from the store as it always did.
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

    @Option(names = "--unit-windows", defaultValue = "" + Grid.DEFAULT_UNIT_WINDOWS, paramLabel = "N",
            description = "Perplexity windows of one data set per work unit (default ${DEFAULT-VALUE}).")
    int unitWindows;

    /** The executor, checked before any model is opened. */
    Executor resolve() {
        if (master != null && executor.equals("local")) throw new SuperweightException("--master " + master + ": only with --executor spark");
        if (unitItems < 1) throw new SuperweightException("--unit-items " + unitItems + ": must be at least 1");
        if (unitWindows < 1) throw new SuperweightException("--unit-windows " + unitWindows + ": must be at least 1");
        return Executor.named(executor);
    }

    /**
     * Runs the cells' units (task items and perplexity windows) on a remote executor through the store file; nothing
     * for the local executor, for an empty grid or without a store (the command's own pass computes everything, as before).
     */
    void run(Path modelPath, Model model, Supplier<Tokenizer> tokenizer, List<Grid.Cell> cells, EvalOptions o, PrintWriter err) {
        Executor e = resolve();
        // Locally the command's own pass is the executor: it scores and stores item by item under the same keys, so a
        // grid pass first would only derive every model twice (a quantized copy each time).
        boolean empty = cells.stream().allMatch(c -> c.tasks().isEmpty() && c.perplexity().isEmpty());
        if (e instanceof LocalExecutor || empty || o.store() == null) return;
        Grid grid = new Grid(modelPath.toAbsolutePath().toString(), ModelFingerprint.of(model), cells, EvalSettings.of(o), unitItems, unitWindows);
        GridRun.run(grid, e, master, new UnitRunner.Opened(model, tokenizer), o.store(), err, Duration.ofSeconds(30));
    }

    /** The same for the analysis commands: every derivation on the evaluation options' tasks and perplexity sets. */
    void run(AnalysisSession s, EvaluationOptions evaluation, List<Derivation> derivations, PrintWriter err) {
        List<String> tasks = evaluation.tasks == null ? List.of() : evaluation.tasks;
        List<Grid.Cell> cells = derivations.stream().map(d -> new Grid.Cell(d, tasks, evaluation.perplexitySets())).toList();
        run(s.modelPath, s.model, s::tokenizer, cells, evaluation.taskOptions(), err);
    }
}
