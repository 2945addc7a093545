package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Candidate;
import superweight.analysis.Catalog;
import superweight.analysis.Characterization;
import superweight.analysis.Condition;
import superweight.analysis.DemoModel;
import superweight.analysis.DemoTokenizer;
import superweight.analysis.Detection;
import superweight.analysis.ModelIdentity;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.api.LanguageModel;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.eval.EvalOptions;
import superweight.eval.Evaluation;
import superweight.eval.PerplexityStream;
import superweight.eval.Progress;
import superweight.jobs.Derivation;
import superweight.jobs.Grid;
import superweight.jobs.PerplexitySet;
import superweight.eval.ModelFingerprint;
import superweight.eval.Tasks;
import superweight.eval.DataDirs;
import superweight.eval.Perplexity;
import superweight.eval.TextCorpus;
import superweight.io.AtomicOutput;
import superweight.model.Model;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;
import superweight.report.AnalysisJson;
import superweight.report.Chart;
import superweight.report.ChartFiles;
import superweight.report.Figures;
import superweight.report.HtmlReport;
import superweight.report.Outputs;
import superweight.report.TextTable;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"One command for what the paper shows, on one model: detection with the evidence per candidate and the "
                + "per-layer maxima (Figure 3), the catalog check, super activations across prompts (+ heatmap), a quick Table-1 "
                + "ablation on a perplexity slice and a few zero-shot items, the scaling curve (Figure 6), the stopword shift (Figure 5), "
                + "the case study and weight quantization at a few block sizes (Figure 7 style).",
                "Without --model it runs on a built-in SYNTHETIC demonstration model with a planted super weight and a built-in vocabulary (no download).",
                "Detection, activations, perplexity, scaling and quantization use token ids (BOS + seeded random ids), so they also run on "
                        + "checkpoints without a tokenizer; the zero-shot items, the stopword shift and the case study need the tokenizer and "
                        + "the data sets (data directory or Hugging Face cache) and are skipped, saying why, without them.",
                "An encoder (BERT family) gets detection, the catalog check, the Table-1 conditions and int4 block sizes, measured",
                "by embedding agreement on SciQ pairs (--pairs, --query-prefix, --passage-prefix, --pooling; needs its tokenizer).",
                "Writes report.html (self-contained), results.json and every figure as PNG and SVG into --out."})
final class ReportCommand implements Callable<Integer> {
    private static final List<String> CONDITIONS = List.of("original", "prune-sw", "prune-sw-restore-sa", "prune-non-sw");

    @Option(names = "--model", paramLabel = "M", description = "Model path or Hugging Face id (default: the built-in synthetic demo model).")
    String modelSpec;

    @Option(names = "--out", defaultValue = "out/report", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--full", description = "The paper's protocol sizes: 100 prompts, 16 perplexity windows, 7 scale factors, 5 block sizes, "
            + "the paper's seven zero-shot tasks with every document, 500 LAMBADA prompts for the stopword shift.")
    boolean full;

    @Option(names = "--prompts", paramLabel = "N", description = "Prompts for the super-activation characterisation (default 8, --full 100).")
    Integer prompts;

    @Option(names = "--prompt-length", paramLabel = "T", description = "Tokens per prompt, BOS included (default: ${DEFAULT-VALUE}).")
    int promptLength = 16;

    @Option(names = "--ppl-windows", paramLabel = "N", description = "Perplexity windows per condition (default 4, --full 16).")
    Integer windows;

    @Option(names = "--ctx", paramLabel = "T", description = "Perplexity window length (default: min(128, the model's context)).")
    Integer ctx;

    @Option(names = "--scales", split = ",", paramLabel = "F", description = "Super-weight scale factors (default 0,1,2,3; --full 0,0.5,1,1.5,2,2.5,3).")
    List<Float> scales;

    @Option(names = "--blocks", split = ",", paramLabel = "B", description = "int4 block sizes in elements (default 64,256,1024; --full adds 16,4096).")
    List<Long> blocks;

    @Option(names = "--tasks", split = ",", paramLabel = "TASK", description = "Zero-shot tasks of the ablation (default piqa,arc_easy,lambada_openai; --full the paper's seven).")
    List<String> tasks;

    @Option(names = "--items", paramLabel = "N", description = "Documents per task, the first N (default 20; --full all; 0 = all).")
    Integer items;

    @Option(names = "--shift-prompts", paramLabel = "N", description = "LAMBADA prompts for the stopword shift (default 50, --full 500).")
    Integer shiftPrompts;

    @Option(names = "--case-prompt", defaultValue = "Summer is hot. Winter is", paramLabel = "TEXT", description = "The case study's prompt (default \"${DEFAULT-VALUE}\").")
    String casePrompt;

    @Mixin
    DataDirOption data = new DataDirOption();

    /** Zero-shot items and perplexity windows (default: none kept; give one to resume a long --full run or to use --executor spark). */
    @Mixin
    RunStoreOptions runStore = new RunStoreOptions();

    @Mixin
    ExecutorOptions executor = new ExecutorOptions();

    @Option(names = "--seed", description = "Seed of the demo model and of the token-id inputs (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Spec
    CommandSpec spec;

    /** Only for an encoder (--model of the BERT family): how its conditions are measured (EncoderReport). */
    @Mixin
    EmbeddingAgreementOptions agreement;

    /**
     * What the report runs on: the model, how to name and fingerprint it, whether it is synthetic, and its tokenizer
     * (null, with {@code noText} saying why, for checkpoints without one).
     */
    record Subject(Model model, String name, String source, String fingerprint, boolean synthetic, Tokenizer tokenizer, String noText) {
    }

    @Override
    public Integer call() {
        executor.resolve();   // a bad --executor, --master or unit size fails before the model is opened
        dataDir = data.dataDir;
        store = runStore.file(null);
        Subject s = subject();
        Settings z = settings(s.model());
        if (s.model().isEncoder()) {
            if (s.tokenizer() == null) throw new SuperweightException(s.noText() + ": an encoder's report measures embedding agreement on SciQ texts");
            return new EncoderReport(out, agreement, z.blocks(), dataDir, store).write(s, spec.commandLine().getOut());
        }
        Transformer tf = new Transformer(s.model());
        HtmlReport html = new HtmlReport("superweight report: " + s.name());
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("model", s.name());
        results.put("source", s.source());
        results.put("fingerprint", s.fingerprint());
        results.put("synthetic", s.synthetic());
        results.put("settings", z.json());
        List<Path> files = new ArrayList<>();
        header(html, s, z);
        List<SuperWeight> sws = detection(html, results, files, s, z);
        catalog(html, results, s, sws);
        characterization(html, results, files, s, z, tf, sws);
        runUnits(s, z, sws);
        if (!sws.isEmpty()) {
            ablation(html, results, s, z, sws);
            scaling(html, results, files, s, z, sws);
            textSections(html, results, files, s, z, sws);
        } else {
            for (String[] sec : new String[][]{{"ablation", "Table 1 style ablation"}, {"scaling", "Scaling the super weights (Figure 6)"},
                    {"token-shift", "Stopword shift (Figure 5)"}, {"case-study", "Case study: one prompt"}}) {
                html.section(sec[0], sec[1]).paragraph("Skipped: no super weight was detected, so there is nothing to remove.").endSection();
            }
        }
        quantization(html, results, files, s, z, sws);
        results.put("perplexity_slice", slice(z, s).description());
        html.section("not-covered", "Not in this report").paragraph("The perplexities are a slice (" + slice(z, s).description() + "), not the "
                + "whole WikiText-2 or C4 test sets (run ablate --ppl wikitext2,c4 for those); zero-shot tasks run on their first documents only unless --full; the quantization "
                + "comparison is plain round-to-nearest without clipping (quant-sweep for the paper's clipping and restore rules).").endSection();
        files.add(AtomicOutput.writeString(out.resolve("report.html"), html.html()));
        results.put("files", files.stream().map(Path::toString).toList());
        files.add(Outputs.writeJson(out, "results.json", results));
        PrintWriter o = spec.commandLine().getOut();
        o.println("wrote " + out.resolve("report.html") + ", " + out.resolve("results.json") + " and " + (files.size() - 2) + " figure files");
        o.flush();
        return 0;
    }

    private Path dataDir, store;
    private String modelPath;

    /**
     * The report's perplexity cells (every ablation condition, scale factor and int4 scheme on the slice) and its
     * zero-shot cells (the ablation conditions on the tasks) as a grid's units on the chosen executor, into the
     * store; the sections below then find every cell there. Nothing to do for the local executor (the sections
     * are its pass) or without a store.
     */
    private void runUnits(Subject s, Settings z, List<SuperWeight> sws) {
        if (executor.resolve() instanceof superweight.jobs.LocalExecutor || store == null) return;
        if (modelPath == null) throw new SuperweightException("--executor " + executor.executor + ": needs --model (the demo model exists only in this JVM)");
        List<PerplexitySet> slice = List.of(PerplexitySet.of(slice(z, s).stream()));
        List<Grid.Cell> cells = new ArrayList<>();
        ZeroShot zs = sws.isEmpty() ? null : zeroShot(s, z);
        if (!sws.isEmpty()) {
            for (Derivation d : Derivation.Ablated.of(ablationConditions(s, sws).conditions(), sws)) cells.add(new Grid.Cell(d, zs.tasks(), slice));
            for (float f : z.scales()) cells.add(new Grid.Cell(new Derivation.Ablated(new Condition.Scale(f).label(), Derivation.Coordinate.of(sws)), List.of(), slice));
        }
        for (WeightScheme w : int4Schemes(z, sws)) cells.add(new Grid.Cell(Derivation.Quantized.of(w, sws), List.of(), slice));
        EvalOptions o = zs != null && zs.options() != null ? zs.options() : new ReportText(s.model(), s.tokenizer(), s.synthetic(), dataDir).options(z.items(), store);
        executor.run(Path.of(modelPath), s.model(), s::tokenizer, cells, o.withStoreWait(runStore.waitFor()), spec.commandLine().getErr());
    }

    private Subject subject() {
        if (modelSpec == null) {
            Model m = DemoModel.build(seed);
            return new Subject(m, m.id(), "built in memory by superweight.analysis.DemoModel (seed " + seed + ") with its built-in "
                    + "vocabulary superweight.analysis.DemoTokenizer (" + DemoTokenizer.SIZE + " ids: bytes and whole-word stopwords)",
                    ModelFingerprint.of(m), true, DemoModel.tokenizer(), null);
        }
        LanguageModel lm = LanguageModel.open(modelSpec);
        modelPath = lm.path().toString();
        Tokenizer t = null;
        String noText = null;
        if (!Tokenizers.exists(lm.path())) noText = lm.path() + " has no tokenizer";
        else t = lm.tokenizer();
        return new Subject(lm.model(), ModelIdentity.infer(lm.model()), lm.path().toString(), ModelFingerprint.of(lm.model()), false, t, noText);
    }

    /** The slice sizes after defaults and --full. */
    record Settings(int prompts, int promptLength, int windows, int ctx, List<Float> scales, List<Long> blocks, long seed,
                    List<String> tasks, int items, int shiftPrompts, String casePrompt) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("prompts", prompts);
            m.put("prompt_length", promptLength);
            m.put("ppl_windows", windows);
            m.put("ctx", ctx);
            m.put("scales", scales);
            m.put("blocks", blocks);
            m.put("seed", seed);
            m.put("tasks", tasks);
            m.put("items", items);
            m.put("shift_prompts", shiftPrompts);
            m.put("case_prompt", casePrompt);
            return m;
        }
    }

    private Settings settings(Model m) {
        int c = ctx != null ? ctx : Math.min(128, m.config().contextLength());
        if (c < 2 || c > m.config().contextLength()) throw new SuperweightException("--ctx " + c + ": must be 2 .. " + m.config().contextLength() + " (the model's context)");
        if (promptLength < 2 || promptLength > m.config().contextLength()) throw new SuperweightException("--prompt-length " + promptLength + ": must be 2 .. " + m.config().contextLength());
        int p = prompts != null ? prompts : full ? 100 : 8;
        int w = windows != null ? windows : full ? 16 : 4;
        if (p < 1) throw new SuperweightException("--prompts " + p + ": must be at least 1");
        if (w < 1) throw new SuperweightException("--ppl-windows " + w + ": must be at least 1");
        List<Float> sc = scales != null ? scales : full ? List.of(0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f) : List.of(0f, 1f, 2f, 3f);
        List<Long> bl = blocks != null ? blocks : full ? List.of(16L, 64L, 256L, 1024L, 4096L) : List.of(64L, 256L, 1024L);
        for (long b : bl) if (b < 1) throw new SuperweightException("--blocks " + b + ": a block has at least 1 element");
        List<String> ts = tasks != null ? tasks : full ? ReportText.PAPER_TASKS : ReportText.QUICK_TASKS;
        ts.forEach(Tasks::get);   // an unknown name fails now, with the list of known tasks
        int n = items != null ? items : full ? 0 : 20;
        int sp = shiftPrompts != null ? shiftPrompts : full ? 500 : 50;
        if (n < 0) throw new SuperweightException("--items " + n + ": must be at least 0 (0 = all)");
        if (sp < 1) throw new SuperweightException("--shift-prompts " + sp + ": must be at least 1");
        if (casePrompt.isBlank()) throw new SuperweightException("--case-prompt: must not be empty");
        return new Settings(p, promptLength, w, c, sc, bl, seed, List.copyOf(ts), n, sp, casePrompt);
    }

    private static void header(HtmlReport html, Subject s, Settings z) {
        if (s.synthetic()) {
            html.synthetic("SYNTHETIC MODEL. This report ran on a small random-weight demonstration model with one planted super weight "
                    + DemoModel.planted().coordinates() + ", generated in memory. It shows the pipeline, not the paper's effect: a "
                    + "random-weight model's quality does not depend on its planted super weight (on the shared planted fixture, pruning it "
                    + "moves WikiText-2 perplexity from 524 to 516, i.e. slightly better). For what a real model shows, see the paper's "
                    + "published figures (Yu et al. 2024, arXiv 2411.07191, Figures 3, 5, 6, 7 and Table 1) or run: superweight report --model M.");
        }
        html.section("run", "Model and inputs").run("model " + s.name() + " from " + s.source() + "; fingerprint " + s.fingerprint()
                + "; inputs: token ids, BOS followed by uniformly random ids in 3 .. vocab-1 from java.util.Random(seed " + z.seed()
                + "); prompts " + z.prompts() + " x " + z.promptLength() + " tokens; perplexity " + z.windows() + " windows x "
                + z.ctx() + " tokens (GPTQ style: non-overlapping windows, every token after the first scored); text sections (zero-shot "
                + "tasks " + String.join(", ", z.tasks()) + ", stopword shift, case study) through "
                + (s.tokenizer() != null ? "the model's tokenizer" : "no tokenizer (" + s.noText() + "): skipped") + ".").endSection();
    }

    private List<SuperWeight> detection(HtmlReport html, Map<String, Object> results, List<Path> files, Subject s, Settings z) {
        int[] tokens = inputs(z.seed(), 1, z.promptLength(), s.model()).getFirst();
        Detection d = new SuperWeightDetector().detect(s.model(), tokens);
        results.put("detection", AnalysisJson.detection(d));
        html.section("detection", "Detection (Section 3.1, remove and repeat)")
                .run("SuperWeightDetector: threshold 50 on max |down_proj input| and |output|, at most "
                        + SuperWeightDetector.DEFAULT_MAX_ITERATIONS + " passes, on prompt 1 (" + tokens.length + " token ids).");
        List<List<String>> rows = new ArrayList<>();
        for (Candidate c : d.candidates()) {
            rows.add(List.of(c.weight().coordinates(), TextTable.num(c.weight().value()), Integer.toString(c.pass()),
                    c.sameToken() ? "yes" : "no", TextTable.num(c.explainedShare()), TextTable.num(c.persistence()), c.kind().text()));
        }
        html.table("candidates", List.of("candidate (layer, row, col)", "weight", "pass", "same token", "explained share", "persistence", "class"), rows);
        if (s.synthetic()) html.note("The planted weight is " + DemoModel.planted().coordinates() + "; finding it checks the detector, nothing more.");
        Chart in = Figures.layerMaxima(s.name(), true, d.before(), d.superWeights().isEmpty() ? null : d.after());
        Chart outChart = Figures.layerMaxima(s.name(), false, d.before(), d.superWeights().isEmpty() ? null : d.after());
        files.addAll(ChartFiles.save(in, out, "layer-maxima-input"));
        files.addAll(ChartFiles.save(outChart, out, "layer-maxima-output"));
        html.figure("fig-layer-maxima-input", in, "Figure 3 style: max |down_proj input| per layer (layer-maxima-input.png/.svg).")
                .figure("fig-layer-maxima-output", outChart, "Figure 3 style: max |down_proj output| per layer (layer-maxima-output.png/.svg).")
                .endSection();
        return d.superWeights();
    }

    private static void catalog(HtmlReport html, Map<String, Object> results, Subject s, List<SuperWeight> sws) {
        Catalog.Agreement a = Catalog.published().compare(s.name(), sws);
        results.put("catalog", AnalysisJson.agreement(a));
        html.section("catalog", "Catalog check").run("the detected coordinates compared with the published catalog entry for '"
                + s.name() + "' (Catalog.published(): the paper's Table 2 and the paper repository).").paragraph(a.summary());
        if (s.synthetic()) html.note("A synthetic model has no catalog entry.");
        html.endSection();
    }

    private void characterization(HtmlReport html, Map<String, Object> results, List<Path> files, Subject s, Settings z,
                                  Transformer tf, List<SuperWeight> sws) {
        html.section("activations", "Super activations across prompts");
        if (sws.isEmpty()) {
            html.paragraph("No super weight was detected, so there is no super activation to follow.").endSection();
            return;
        }
        List<int[]> ps = inputs(z.seed() + 1, z.prompts(), z.promptLength(), s.model());
        Characterization.Result r = Characterization.run(s.model(), sws, ps);
        List<Map<String, Object>> sums = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (Characterization.Summary x : r.summaries()) {
            sums.add(Map.of("layer", x.layer(), "channel", x.channel(), "prompts", x.prompts(), "layer_maximum_count", x.layerMaximumCount(),
                    "first_token_count", x.firstTokenCount(), "mean_magnitude", x.meanMagnitude(), "relative_spread", x.relativeSpread()));
            rows.add(List.of(Integer.toString(x.layer()), Integer.toString(x.channel()), x.layerMaximumCount() + "/" + x.prompts(),
                    x.firstTokenCount() + "/" + x.prompts(), TextTable.num(x.meanMagnitude()), TextTable.percent(x.relativeSpread())));
        }
        results.put("characterization", sums);
        Chart heat = heatmap(tf, sws.getFirst(), ps.getFirst(), s);
        files.addAll(ChartFiles.save(heat, out, "activation-heatmap"));
        html.run(z.prompts() + " prompts of " + z.promptLength() + " token ids (seed " + (z.seed() + 1) + "); the super activation is "
                        + "the down_proj output at the super weight's row in its layer.")
                .table("characterization", List.of("layer", "channel", "largest of its layer", "at the first token", "mean |value|", "relative spread"), rows)
                .figure("fig-activation-heatmap", heat, "|down_proj output| around the super activation, prompt 1 (activation-heatmap.png/.svg).")
                .endSection();
    }

    private static Chart heatmap(Transformer tf, SuperWeight sw, int[] prompt, Subject s) {
        int n = prompt.length, lo = Math.max(0, sw.row() - 8), hi = Math.min(s.model().config().hiddenSize(), sw.row() + 9);
        double[][] values = new double[hi - lo][n];
        tf.logits(prompt, new Taps() {
            @Override
            public void downProjOutput(int layer, int start, float[] y, int count, int dim) {
                if (layer != sw.layer()) return;
                for (int i = 0; i < count; i++) for (int c = lo; c < hi; c++) values[c - lo][start + i] = y[i * dim + c];
            }
        }, Interventions.NONE);
        return Figures.activationHeatmap(s.name() + ": |down_proj output| of layer " + sw.layer() + " around channel " + sw.row(),
                IntStream.range(0, n).mapToObj(Integer::toString).toList(), IntStream.range(lo, hi).mapToObj(Integer::toString).toList(), values);
    }

    /** The ablation's conditions with their plans (each planned once: per-tensor pruning scans every weight), and whether prune-non-sw fell back to the global rule. */
    record AblationConditions(List<Condition> conditions, List<Ablation.Plan> plans, boolean fallback) {
    }

    private static AblationConditions ablationConditions(Subject s, List<SuperWeight> sws) {
        List<Condition> conditions = new ArrayList<>();
        List<Ablation.Plan> plans = new ArrayList<>();
        boolean fallback = false;
        for (String label : CONDITIONS) {
            Condition c = Condition.parse(label);
            Ablation.Plan p = Ablation.plan(c, s.model(), sws);
            if (c instanceof Condition.PruneNonSuperWeightsPerTensor && p.weightEdits() == 0) {
                // a small model's tensors hold fewer than 1e6 weights, so the per-tensor fraction selects none
                c = Condition.parse("prune-non-sw:" + sws.size());
                p = Ablation.plan(c, s.model(), sws);
                fallback = true;
            }
            conditions.add(c);
            plans.add(p);
        }
        return new AblationConditions(conditions, plans, fallback);
    }

    private void ablation(HtmlReport html, Map<String, Object> results, Subject s, Settings z, List<SuperWeight> sws) {
        Slice stream = slice(z, s);
        ZeroShot zs = zeroShot(s, z);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<String>> cells = new ArrayList<>();
        AblationConditions ac = ablationConditions(s, sws);
        boolean fallback = ac.fallback();
        for (int i = 0; i < ac.conditions().size(); i++) {
            Condition c = ac.conditions().get(i);
            Ablation.Plan p = ac.plans().get(i);
            double ppl = perplexity(p.model(), p.interventions(), c.label(), stream);
            Map<String, Object> row = new LinkedHashMap<>(Map.of("condition", c.label(), "rule", c.rule(), "weight_edits", p.weightEdits(), "ppl", ppl));
            List<String> cell = new ArrayList<>(List.of(c.label(), c.rule(), Integer.toString(p.weightEdits()), TextTable.num(ppl)));
            if (!zs.tasks().isEmpty()) {
                Map<String, Map<String, Double>> acc = zs.text().zeroShot(p, c.label(), zs.tasks(), zs.options());
                double mean = acc.values().stream().mapToDouble(m -> m.get("acc")).average().orElse(Double.NaN);
                row.put("zero_shot", acc);
                row.put("acc_avg", mean);
                for (String t : zs.tasks()) cell.add(TextTable.num(acc.get(t).get("acc")));
                cell.add(TextTable.num(mean));
            }
            rows.add(row);
            cells.add(cell);
        }
        results.put("ablation", rows);
        List<String> header = new ArrayList<>(List.of("condition", "what it does", "weights changed", "perplexity"));
        zs.tasks().forEach(t -> header.add("acc " + t));
        if (!zs.tasks().isEmpty()) header.add("mean acc");
        html.section("ablation", "Table 1 style ablation").run("perplexity of " + stream.description() + " under each condition; super weights "
                + String.join(" ", sws.stream().map(SuperWeight::coordinates).toList()) + "; " + zs.describe())
                .table("ablation", header, cells);
        if (fallback && s.synthetic()) html.note("In the demo model the largest weights besides the super weight are the planted gate/up weights that feed "
                + "it, so prune-non-sw:1 silences the same super activation and can give the same perplexity as prune-sw.");
        if (fallback) html.note("prune-non-sw: the per-tensor rule (a 1e-6 fraction of each tensor) selects no weight in tensors this small, "
                + "so the report prunes as many of the largest other weights as there are super weights instead.");
        html.note(s.synthetic() ? "Perplexity of uniformly random tokens under a random-weight model is about the vocabulary size whatever is pruned; "
                + "differences here are noise, not the paper's effect (Table 1: pruning one super weight of Llama-7B raises WikiText-2 perplexity from 5.68 to 2.5e3)."
                : stream.text() ? "A slice of " + z.windows() + " windows, not the whole test set: run ablate --ppl wikitext2,c4 --tasks ... for the paper's protocol."
                : "Random token ids are not text (" + stream.why() + "): these perplexities compare conditions only; run ablate --ppl wikitext2 --tasks ... for the paper's numbers.");
        if (s.synthetic() && !zs.tasks().isEmpty()) html.note("The accuracies are a random-weight model guessing: about chance (1/2 for piqa, 1/4 for arc, "
                + "0 for lambada's exact last word) under every condition; the paper's Table 1 shows Llama-7B's average zero-shot accuracy falling "
                + "to near chance only when its super weight is pruned.");
        html.endSection();
    }

    /** The zero-shot part of the ablation: the tasks that can run (tokenizer and data present), how, and what is skipped. */
    record ZeroShot(ReportText text, List<String> tasks, EvalOptions options, String describe) {
    }

    private ZeroShot zeroShot(Subject s, Settings z) {
        if (s.tokenizer() == null) return new ZeroShot(null, List.of(), null, "no zero-shot items: " + s.noText() + ".");
        DatasetDownloads.ensure(z.tasks(), dataDir, spec.commandLine().getErr());
        ReportText text = new ReportText(s.model(), s.tokenizer(), s.synthetic(), dataDir);
        Map<String, String> missing = new LinkedHashMap<>();
        List<String> ok = text.available(z.tasks(), missing);
        StringBuilder d = new StringBuilder();
        if (!ok.isEmpty()) {
            d.append("zero-shot tasks ").append(String.join(", ", ok.stream().map(t -> t + " (" + text.dataFile(t) + ")").toList()))
                    .append(" under ").append(text.semantics(z.items())).append("; the same documents under every condition");
        }
        missing.forEach((t, why) -> d.append(d.isEmpty() ? "" : "; ").append(t).append(" skipped: ").append(why));
        return new ZeroShot(text, ok, text.options(z.items(), store), d.append('.').toString());
    }

    /** The stopword shift (Figure 5) and the case study: text through the tokenizer; skipped, saying why, without one or without LAMBADA. */
    private void textSections(HtmlReport html, Map<String, Object> results, List<Path> files, Subject s, Settings z, List<SuperWeight> sws) {
        if (s.tokenizer() == null) {
            html.section("token-shift", "Stopword shift (Figure 5)").paragraph("Skipped: " + s.noText() + ".").endSection();
            html.section("case-study", "Case study: one prompt").paragraph("Skipped: " + s.noText() + ".").endSection();
            return;
        }
        DatasetDownloads.ensure(List.of(ReportText.LAMBADA), dataDir, spec.commandLine().getErr());
        ReportText text = new ReportText(s.model(), s.tokenizer(), s.synthetic(), dataDir);
        try {
            results.put("token_shift", text.stopwordShift(html, files, out, s.name(), sws, z.shiftPrompts(), 12));
        } catch (SuperweightException e) {
            html.section("token-shift", "Stopword shift (Figure 5)").paragraph("Skipped: " + e.getMessage()).endSection();
        }
        results.put("case_study", text.caseStudy(html, z.casePrompt(), sws, 5));
    }

    private void scaling(HtmlReport html, Map<String, Object> results, List<Path> files, Subject s, Settings z, List<SuperWeight> sws) {
        Slice stream = slice(z, s);
        double[][] pts = new double[z.scales().size()][];
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < pts.length; i++) {
            float f = z.scales().get(i);
            Condition c = new Condition.Scale(f);
            Ablation.Plan p = Ablation.plan(c, s.model(), sws);
            double ppl = perplexity(p.model(), p.interventions(), c.label(), stream);
            pts[i] = new double[]{f, ppl};
            rows.add(Map.of("scale", (double) f, "ppl", ppl));
        }
        results.put("scaling", rows);
        Chart chart = Figures.curves(s.name() + ": perplexity vs super weight scale", "super weight scale factor",
                "perplexity (" + stream.axis() + ")", Map.of("perplexity", pts), false);
        files.addAll(ChartFiles.save(chart, out, "scaling"));
        html.section("scaling", "Scaling the super weights (Figure 6)").run("every super weight multiplied by each factor in "
                        + z.scales() + "; perplexity on the same slice as the ablation.")
                .table("scaling", List.of("scale", "perplexity"), rows.stream().map(m -> List.of(TextTable.num((double) m.get("scale")), TextTable.num((double) m.get("ppl")))).toList())
                .figure("fig-scaling", chart, "Figure 6 style: perplexity against the super weight scale factor (scaling.png/.svg).");
        if (s.synthetic()) html.note("A flat curve is expected here; the paper's Figure 6 shows real models improving slightly for factors a little above 1.");
        html.endSection();
    }

    private void quantization(HtmlReport html, Map<String, Object> results, List<Path> files, Subject s, Settings z, List<SuperWeight> sws) {
        Slice stream = slice(z, s);
        Map<String, double[][]> curves = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<String>> cells = new ArrayList<>();
        List<WeightScheme> schemes = int4Schemes(z, sws);
        for (boolean restore : sws.isEmpty() ? List.of(false) : List.of(false, true)) {
            double[][] pts = new double[z.blocks().size()][];
            for (int i = 0; i < pts.length; i++) {
                WeightScheme w = schemes.get((restore ? pts.length : 0) + i);
                WeightQuantizer.Result q = WeightQuantizer.apply(s.model(), w, restore ? sws : List.of());
                double ppl = perplexity(q.model(), Interventions.NONE, w.label(), stream);
                pts[i] = new double[]{z.blocks().get(i), ppl};
                rows.add(Map.of("scheme", w.label(), "key", q.key(), "block", z.blocks().get(i), "ppl", ppl));
                cells.add(List.of(w.label(), Long.toString(z.blocks().get(i)), TextTable.num(ppl)));
            }
            curves.put(restore ? "int4, super weights kept" : "int4", pts);
        }
        results.put("quantization", rows);
        Chart chart = Figures.curves(s.name() + ": int4 perplexity vs block size", Chart.Axis.logarithmic("block size (elements, log scale)"),
                Chart.Axis.linear("perplexity (" + stream.axis() + ")"), curves);
        files.addAll(ChartFiles.save(chart, out, "quant-block-size"));
        html.section("quantization", "Weight quantization at a few block sizes (Figure 7 style)")
                .run("round-to-nearest int4 of q, k, v, o, gate, up, down per block (no clipping, ragged tensors as one block), with and "
                        + "without keeping the super weights in full precision; perplexity on the same slice as the ablation.")
                .table("quantization", List.of("scheme", "block", "perplexity"), cells)
                .figure("fig-quant", chart, "Figure 7 style: perplexity against block size (quant-block-size.png/.svg).");
        if (s.synthetic()) html.note("On a random-weight model quantization error barely moves the perplexity of random tokens; the paper's Figure 7 shows real models.");
        html.note("Absmax round-to-nearest represents the largest |w| of each block exactly, so keeping a super weight that is its block's "
                + "maximum changes nothing by itself (the two curves can coincide); the paper's gain comes with clipping the outliers away, see quant-sweep.");
        html.endSection();
    }

    /** Round-to-nearest int4 at each block size, without and then (when there are super weights) with them kept. */
    private static List<WeightScheme> int4Schemes(Settings z, List<SuperWeight> sws) {
        List<WeightScheme> r = new ArrayList<>();
        for (boolean restore : sws.isEmpty() ? List.of(false) : List.of(false, true)) {
            for (long b : z.blocks()) {
                r.add(new WeightScheme("int4", BlockSize.parse(Long.toString(b)), RaggedBlocks.WHOLE, ClipRule.NONE, restore ? 1f : Float.NaN, false));
            }
        }
        return r;
    }

    /** The slice's perplexity under one cell, its windows kept in (and, when a grid ran, read from) the store. */
    private double perplexity(Model model, Interventions iv, String condition, Slice slice) {
        return Evaluation.perplexity(model, iv, slice.stream(), condition, store, runStore.waitFor(), Progress.NONE).ppl();
    }

    /**
     * The perplexity slice of the ablation, scaling and quantization sections.
     *
     * @param tokens the token stream, cut into GPTQ-style windows of --ctx
     * @param bosId  BOS as the tokenizer adds it (-1 for random ids, which carry their own BOS per window)
     * @param text   whether the tokens are real text (WikiText-2) rather than random ids
     * @param why    for random ids, why no text was used
     */
    record Slice(int[] tokens, int bosId, boolean text, String description, String axis, String why, PerplexityStream stream) {
        Slice(int[] tokens, int bosId, boolean text, String description, String axis, String why, int ctx) {
            this(tokens, bosId, text, description, axis, why, PerplexityStream.of("report slice", Perplexity.Style.GPTQ, ctx, bosId, tokens, 0, "", null));
        }
    }

    /**
     * WikiText-2's test text as GPTQ scores it (the first --ppl-windows windows) when the model has a tokenizer and the
     * data set is found; otherwise BOS + seeded random ids, which every model can run. The demo model always takes the
     * random ids: its planted super activation sits on BOS, which GPTQ windows carry only once.
     */
    private Slice slice(Settings z, Subject s) {
        if (slice == null) slice = newSlice(z, s);
        return slice;
    }

    private Slice slice;

    private Slice newSlice(Settings z, Subject s) {
        String why = s.synthetic() ? "the synthetic demo model" : s.tokenizer() == null ? "no tokenizer: " + s.noText() : null;
        if (why == null) {
            try {
                DatasetDownloads.ensure(List.of("wikitext2"), dataDir, spec.commandLine().getErr());
                TextCorpus corpus = TextCorpus.load("wikitext2", Perplexity.Style.GPTQ, DataDirs.of(dataDir));
                Tokenizer tok = s.tokenizer();
                boolean bos = tok.addBosByDefault() && tok.bosId() >= 0;
                int[] all = tok.encode(corpus.text(), bos, false);
                int n = Math.min(all.length, z.windows() * z.ctx());
                if (n >= z.ctx()) {
                    return new Slice(Arrays.copyOf(all, n), bos ? tok.bosId() : -1, true, "the first " + n / z.ctx() + " windows x " + z.ctx()
                            + " tokens of WikiText-2 test (" + corpus.source() + ", GPTQ style: rows joined, tokenized once)", "WikiText-2 slice", null, z.ctx());
                }
                why = "WikiText-2 is shorter than one window";
            } catch (SuperweightException e) {
                why = "WikiText-2 not found: " + e.getMessage();
            }
        }
        int[] ids = inputs(z.seed() + 2, z.windows(), z.ctx(), s.model()).stream().flatMapToInt(Arrays::stream).toArray();
        return new Slice(ids, -1, false, z.windows() + " windows x " + z.ctx() + " random token ids (seed " + (z.seed() + 2) + ")",
                "random token ids", why, z.ctx());
    }

    /** BOS then uniformly random ids in 3 .. vocab-1 (ids 0-2 are usually special tokens). */
    private static List<int[]> inputs(long seed, int count, int length, Model m) {
        if (m.config().vocabSize() == DemoModel.VOCAB && m.id().startsWith("superweight-demo")) return DemoModel.prompts(seed, count, length);
        Random rnd = new Random(seed);
        int bos = m.config().bosId() >= 0 ? m.config().bosId() : 1, vocab = m.config().vocabSize();
        List<int[]> r = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            int[] t = new int[length];
            t[0] = bos;
            for (int i = 1; i < length; i++) t[i] = 3 + rnd.nextInt(vocab - 3);
            r.add(t);
        }
        return r;
    }
}
