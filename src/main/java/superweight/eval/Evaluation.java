package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;
import superweight.engine.Interventions;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.Parallel;
import superweight.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entry points: zero-shot tasks as lm-evaluation-harness runs them, and perplexity as GPTQ or llama.cpp
 * measure it, each for a model under some {@link Interventions} (an ablation condition).
 */
public final class Evaluation {
    /** Models up to this hidden size score several items at once by default (their matmuls are too small to fill the cores). */
    private static final int SMALL_MODEL_HIDDEN = 1024;

    private Evaluation() {
    }

    /**
     * Runs {@code tasks} (names as in lm-eval, see {@link Tasks#names()}) on the model with the interventions applied.
     * Finished items are kept in the run store under (model fingerprint, {@code condition}, task, settings), so a
     * repeated call resumes and never recomputes.
     */
    public static Results run(Model model, Tokenizer tokenizer, Interventions iv, String condition, List<String> tasks, EvalOptions o) {
        return run(model, tokenizer, iv, condition, tasks, o, null);
    }

    /** As {@link #run(Model, Tokenizer, Interventions, String, List, EvalOptions)} with a custom scorer (tests, fakes). */
    static Results run(Model model, Tokenizer tokenizer, Interventions iv, String condition, List<String> tasks, EvalOptions o,
                       ItemScorer customScorer) {
        if (condition == null || condition.isBlank()) throw new SuperweightException("the condition label of an evaluation run must not be empty");
        if (tasks.isEmpty()) throw new SuperweightException("no tasks given (known: " + String.join(", ", Tasks.names()) + ")");
        List<TaskSpec> specs = tasks.stream().distinct().map(Tasks::get).toList();
        DataDirs dirs = DataDirs.of(o.dataDir());
        List<List<JsonNode>> docs = new ArrayList<>();
        for (TaskSpec s : specs) docs.add(Tasks.documents(s, dirs));
        ModelConfig c = model.config();
        boolean addBos = o.addBos() != null ? o.addBos() : o.bos().defaultAddBos(c, tokenizer);
        if (addBos && tokenizer.bosId() < 0) throw new SuperweightException(model.id() + ": --add-bos given but the vocabulary has no BOS token");
        int maxLength = maxLength(model, o);
        ItemScorer scorer = customScorer != null ? customScorer : modelScorer(model, tokenizer, iv, addBos, maxLength, o);
        String fingerprint = ModelFingerprint.of(model);
        String settings = settingsKey(addBos, o.bos(), maxLength, iv);
        int concurrency = o.concurrency() > 0 ? o.concurrency() : (c.hiddenSize() <= SMALL_MODEL_HIDDEN ? Parallel.threads() : 1);
        List<TaskResult> results = new ArrayList<>();
        try (RunStore store = o.store() != null ? RunStore.open(o.store(), o.storeWait()) : RunStore.inMemory()) {
            Harness h = new Harness(store, fingerprint, condition, settings, concurrency, o.progress());
            for (int i = 0; i < specs.size(); i++) results.add(h.run(specs.get(i), docs.get(i), o.limit(), scorer));
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_args", "pretrained=" + model.checkpoint().path());
        config.put("limit", o.limit() > 0 ? o.limit() : null);
        config.put("num_fewshot", 0);
        config.put("add_bos_token", addBos);
        config.put("bos_convention", "lm-eval " + o.bos().label());
        config.put("max_length", maxLength);
        config.put("bootstrap_iters", Metrics.BOOTSTRAP_ITERS);
        config.put("data_dir", dirs.dataDir().toString());
        return new Results(model.id(), fingerprint, condition, results, config);
    }

    private static ItemScorer modelScorer(Model model, Tokenizer tokenizer, Interventions iv, boolean addBos, int maxLength, EvalOptions o) {
        return ItemScorer.of(new RequestEncoder(tokenizer, addBos, maxLength, o.bos()), new LoglikelihoodScorer(new Transformer(model), iv));
    }

    /**
     * One task of a run cut out for a work unit that scores some of its items elsewhere: the run store key
     * {@link #run} files the task's items under, the first {@code limit} items (0 = all) of {@code docs}, and the
     * scorer. Scores committed under {@code key()} are exactly what {@link #run} would have computed and stored.
     */
    public record TaskRun(RunStore.Key key, List<TaskItem> items, ItemScorer scorer) {
        public TaskRun {
            items = List.copyOf(items);
        }
    }

    public static TaskRun taskRun(Model model, Tokenizer tokenizer, Interventions iv, String condition, String task,
                                  List<JsonNode> docs, EvalOptions o) {
        if (condition == null || condition.isBlank()) throw new SuperweightException("the condition label of an evaluation run must not be empty");
        TaskSpec spec = Tasks.get(task);
        boolean addBos = o.addBos() != null ? o.addBos() : o.bos().defaultAddBos(model.config(), tokenizer);
        if (addBos && tokenizer.bosId() < 0) throw new SuperweightException(model.id() + ": --add-bos given but the vocabulary has no BOS token");
        int maxLength = maxLength(model, o);
        int n = o.limit() > 0 ? Math.min(o.limit(), docs.size()) : docs.size();
        List<TaskItem> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) items.add(spec.item(i, docs.get(i)));
        RunStore.Key key = Harness.key(ModelFingerprint.of(model), condition, spec, settingsKey(addBos, o.bos(), maxLength, iv));
        return new TaskRun(key, items, modelScorer(model, tokenizer, iv, addBos, maxLength, o));
    }

    /** lm-eval's max_length: an explicit one as given (even beyond the declared context), else the declared context. */
    public static int maxLength(Model model, EvalOptions o) {
        return o.maxLength() > 0 ? o.maxLength() : model.config().contextLength();
    }

    /** Everything besides model and condition that changes an item's scores: the run store keys items by it. */
    static String settingsKey(boolean addBos, BosConvention bos, int maxLength, Interventions iv) {
        return "add_bos=" + addBos + ";bos_convention=" + bos.label() + ";max_length=" + maxLength
                + ";interventions=" + interventionsDigest(iv);
    }

    /**
     * Perplexity options: {@code ctx} = window length (0 = the style's default, 2048 for GPTQ or 512 for llama.cpp,
     * reduced to the model's context length), {@code limit} = first N windows (0 = all), {@code store} = run store
     * file for finished windows (null = none), {@code condition} = the label of the run in the store,
     * {@code storeWait} = how long to wait for a store another process holds (null = {@link RunStore#DEFAULT_WAIT}).
     */
    public record PerplexityOptions(int ctx, Perplexity.Style style, int limit, Path dataDir, Path store, String condition,
                                    Progress progress, java.time.Duration storeWait) {
        public PerplexityOptions {
            if (storeWait == null) storeWait = RunStore.DEFAULT_WAIT;
            if (limit < 0) throw new SuperweightException("--limit " + limit + ": must be at least 1 (or 0 for all)");
            if (ctx < 0) throw new SuperweightException("--ctx " + ctx + ": must be positive");
            if (condition == null) condition = "baseline";
            if (progress == null) progress = Progress.NONE;
        }

        public PerplexityOptions(int ctx, Perplexity.Style style, int limit, Path dataDir, Path store, String condition,
                                 Progress progress) {
            this(ctx, style, limit, dataDir, store, condition, progress, null);
        }

        /** All windows of the style's default length, no store, no progress display. */
        public static PerplexityOptions of(Perplexity.Style style) {
            return new PerplexityOptions(0, style, 0, null, null, null, Progress.NONE);
        }
    }

    /**
     * The window length a perplexity run uses: an explicit {@code --ctx} as given, even beyond the context length
     * the file declares (converted GGUFs often declare a wrong one; llama.cpp proceeds too, see
     * {@link #contextWarning}); by default the style's length capped at the declared context.
     */
    public static int windowLength(Model model, PerplexityOptions o) {
        if (o.ctx() > 0) return o.ctx();
        return Math.min(o.style() == Perplexity.Style.LLAMACPP ? 512 : 2048, model.config().contextLength());
    }

    /** The one-line warning for an explicit window longer than the declared context, or null. */
    public static String contextWarning(Model model, int ctx, String option) {
        int declared = model.config().contextLength();
        if (ctx <= declared) return null;
        return "warning: " + option + " " + ctx + " is longer than the context length " + declared + " that " + model.id()
                + " declares; proceeding as asked (positions past " + declared + " may be out of what the model was trained on)";
    }

    /**
     * Perplexity of {@code dataset} (wikitext2, c4, c4-new, or a text file path) under the interventions. With a
     * store, each finished window is kept under (model fingerprint, condition, data set, settings) and a rerun resumes.
     */
    public static PerplexityResult perplexity(Model model, Tokenizer tokenizer, Interventions iv, String dataset, PerplexityOptions o) {
        return perplexity(model, iv, perplexityStream(model, tokenizer, dataset, o), o.condition(), o.store(), o.storeWait(), o.progress());
    }

    /**
     * The windows of {@code dataset} as {@code o} cuts them for this model (its tokenizer, the style's window length,
     * GPTQ's C4 sampling, {@code --limit}), tokenized once, for every condition that runs them.
     */
    public static PerplexityStream perplexityStream(Model model, Tokenizer tokenizer, String dataset, PerplexityOptions o) {
        TextCorpus corpus = TextCorpus.load(dataset, o.style(), DataDirs.of(o.dataDir()));
        boolean bos = tokenizer.addBosByDefault() && tokenizer.bosId() >= 0;
        int ctx = windowLength(model, o);
        int[] tokens = corpus.sampled()
                ? C4Sampler.sample(corpus.documents(), text -> tokenizer.encode(text, bos, false), ctx, corpus.maxWindows())
                : tokenizer.encode(corpus.text(), bos, false);
        int limit = o.limit();
        if (corpus.maxWindows() > 0) limit = limit > 0 ? Math.min(limit, corpus.maxWindows()) : corpus.maxWindows();
        return PerplexityStream.of(corpus.name(), o.style(), ctx, bos ? tokenizer.bosId() : -1, tokens, limit, corpus.rule(), corpus.source());
    }

    /**
     * Perplexity of a prepared stream under the interventions; with a store file, windows found under the run's key
     * are not computed again and new ones are kept (waiting up to {@code storeWait} for another process's store).
     */
    public static PerplexityResult perplexity(Model model, Interventions iv, PerplexityStream stream, String condition, Path store,
                                              java.time.Duration storeWait, Progress progress) {
        try (RunStore s = store != null ? RunStore.open(store, storeWait != null ? storeWait : RunStore.DEFAULT_WAIT) : null;
             Progress.Bar bar = progress.start(stream.dataset(), "windows", stream.windows(), 0)) {
            Perplexity.WindowLog log = s != null ? s.windowLog(stream.key(model, condition, iv)) : Perplexity.WindowLog.NONE;
            return stream.compute(new Transformer(model), iv, log, w -> bar.step());
        }
    }

    /** SHA-256 (first 16 hex digits) of the token ids: covers text and tokenizer together. */
    static String digest(int[] tokens) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(tokens.length * 4);
            b.asIntBuffer().put(tokens);
            sha.update(b);
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A digest of the weight edits, activation overrides and hooks, each by its canonical description (records print
     * every field; hooks name themselves with their parameters through {@code key()}).
     */
    static String interventionsDigest(Interventions iv) {
        if (iv.weightEdits().isEmpty() && iv.activationOverrides().isEmpty() && iv.linearInputHook() == null
                && iv.downProjOutputHook() == null) return "none";
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(iv.weightEdits().toString().getBytes(StandardCharsets.UTF_8));
            sha.update(iv.activationOverrides().toString().getBytes(StandardCharsets.UTF_8));
            sha.update((iv.linearInputHook() != null ? "hook:" + iv.linearInputHook().key() : "").getBytes(StandardCharsets.UTF_8));
            sha.update((iv.downProjOutputHook() != null ? "down-proj-output-hook:" + iv.downProjOutputHook().key() : "")
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
