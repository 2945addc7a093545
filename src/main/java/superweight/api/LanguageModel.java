package superweight.api;

import superweight.SuperweightException;
import superweight.analysis.Ablation;
import superweight.analysis.Condition;
import superweight.analysis.Detection;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.engine.Generator;
import superweight.engine.Interventions;
import superweight.engine.LogProbs;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.eval.EvalOptions;
import superweight.eval.Evaluation;
import superweight.eval.Perplexity;
import superweight.eval.PerplexityResult;
import superweight.eval.Results;
import superweight.hub.Hub;
import superweight.hub.HubSettings;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.ModelConfig;
import superweight.model.format.ModelPaths;
import superweight.tokenizer.Tokenizer;
import superweight.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.List;

/**
 * The library's entry point for JVM programs: one opened checkpoint with its tokenizer, and the paper's
 * procedures on it. Everything the command line does is reachable from here (the CLI's analysis commands open
 * their models through this class); the types it returns ({@link Detection}, {@link Interventions},
 * {@link Results}, ...) are the engine's own. A model is immutable: ablations and other interventions are
 * descriptions passed to a call, never changes to the loaded weights, so one instance serves every condition.
 *
 * <p>Weights are memory-mapped: {@link #close()} releases the mapping; do not use arrays or tensors obtained from
 * the model afterwards. Instances may be shared between threads for forward passes.
 */
public final class LanguageModel implements AutoCloseable {
    private final Path path;
    private final Model model;
    private final Transformer transformer;
    private Tokenizer tokenizer;

    private LanguageModel(Path path, Model model) {
        this.path = path;
        this.model = model;
        this.transformer = new Transformer(model);
    }

    /**
     * Opens a checkpoint: a Hugging Face model directory, a {@code .safetensors}, {@code .gguf} or llama2.c
     * {@code .bin} file, or a Hugging Face id {@code org/name[@revision][:file.gguf]} (downloaded into the Hugging
     * Face cache unless it is there already; settings from HF_ENDPOINT, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE). An
     * existing local path always wins over an id.
     *
     * @throws SuperweightException with a one-line message naming the file and the problem
     */
    public static LanguageModel open(String pathOrId) {
        Path p = ModelPaths.resolve(pathOrId);
        return new LanguageModel(p, ModelLoader.load(p));
    }

    /** As {@link #open(String)} with explicit Hub settings (endpoint, cache folder, token, offline, progress). */
    public static LanguageModel open(String pathOrId, HubSettings hub) {
        Path p = ModelPaths.resolve(pathOrId, () -> new Hub(hub));
        return new LanguageModel(p, ModelLoader.load(p));
    }

    public static LanguageModel open(Path path) {
        return new LanguageModel(path, ModelLoader.load(path));
    }

    /** The local file or folder the model was loaded from (a cache snapshot for an id). */
    public Path path() {
        return path;
    }

    /** The loaded model (configuration, weights, derivation) for the engine-level API. */
    public Model model() {
        return model;
    }

    public ModelConfig config() {
        return model.config();
    }

    /** The checkpoint's tokenizer (tokenizer.json beside safetensors, or GGUF metadata), loaded on first use. */
    public synchronized Tokenizer tokenizer() {
        if (tokenizer == null) tokenizer = Tokenizers.load(path);
        return tokenizer;
    }

    /** Token ids of {@code text} as the model's reference tokenizer gives them, with BOS when the model's configuration asks for it. */
    public int[] encode(String text) {
        Tokenizer t = tokenizer();
        return t.encode(text, t.addBosByDefault() && t.bosId() >= 0, false);
    }

    public String decode(int[] ids) {
        return tokenizer().decode(ids);
    }

    /** Logits of every position, row-major [position][vocabulary]. */
    public float[] logits(int[] tokens) {
        return transformer.logits(tokens);
    }

    /**
     * One causal pass with observers and changes: {@code taps} sees the down-projection inputs and outputs and the
     * residual stream of every layer; {@code interventions} edit weights, override activations or hook linear
     * inputs for this pass only.
     */
    public float[] logits(int[] tokens, Taps taps, Interventions interventions) {
        return transformer.logits(tokens, taps, interventions);
    }

    /** One causal pass under an ablation plan (its model, which may be derived, with its interventions). */
    public float[] logits(int[] tokens, Taps taps, Ablation.Plan plan) {
        return transformer(plan).logits(tokens, taps, plan.interventions());
    }

    /** The most likely next token after {@code tokens} under the interventions. */
    public int nextToken(int[] tokens, Interventions interventions) {
        return argmaxLast(logits(tokens, Taps.NONE, interventions), tokens.length);
    }

    public int nextToken(int[] tokens, Ablation.Plan plan) {
        return argmaxLast(logits(tokens, Taps.NONE, plan), tokens.length);
    }

    private int argmaxLast(float[] logits, int positions) {
        int v = config().vocabSize();
        return LogProbs.argmax(logits, (positions - 1) * v, v);
    }

    /** Greedy continuation (KV cache) of at most {@code maxTokens} ids, stopping at the end-of-sequence token. */
    public List<Integer> generate(int[] prompt, int maxTokens, Interventions interventions) {
        return new Generator(transformer).generate(prompt, maxTokens, 0f, 0L, tokenizerEosOrNone(), interventions);
    }

    private int tokenizerEosOrNone() {
        try {
            return tokenizer().eosId();
        } catch (SuperweightException e) {
            return -1;   // a checkpoint without a tokenizer: generate to the length asked for
        }
    }

    /** Super weight detection with the paper's prompt ("Apple Inc. is a worldwide tech company."), threshold 50. */
    public Detection detectSuperWeights() {
        return detectSuperWeights(encode(SuperWeightDetector.PAPER_PROMPT));
    }

    /** Iterative detection (threshold 50, at most 10 passes) on the given token ids. */
    public Detection detectSuperWeights(int[] tokens) {
        return new SuperWeightDetector().detect(model, tokens);
    }

    /**
     * One ablation condition of the paper's Table 1 ({@code Condition.parse("prune-sw")}, {@code new
     * Condition.Scale(2f)}, ...) for these super weights: the model to run (this one, or a derived one for rules
     * that rewrite whole tensors) and its interventions; pass it to {@link #logits}, {@link #perplexity} or
     * {@link #evaluate}. The loaded model itself is never changed.
     */
    public Ablation.Plan ablation(Condition condition, List<SuperWeight> superWeights) {
        return Ablation.plan(condition, model, superWeights);
    }

    /**
     * Perplexity the GPTQ way ({@code dataset} "wikitext2", "c4" or a text file; data from superweight's data
     * folder or the Hugging Face datasets cache) over the first {@code windows} windows (0 = all), nothing stored.
     */
    public PerplexityResult perplexity(String dataset, Ablation.Plan plan, int windows) {
        Evaluation.PerplexityOptions o = new Evaluation.PerplexityOptions(0, Perplexity.Style.GPTQ, windows, null, null, null, null);
        return perplexity(dataset, plan, o);
    }

    /** Perplexity with every option (window length, style, store for resuming, progress). */
    public PerplexityResult perplexity(String dataset, Ablation.Plan plan, Evaluation.PerplexityOptions options) {
        return Evaluation.perplexity(plan.model(), tokenizer(), plan.interventions(), dataset, options);
    }

    /**
     * Zero-shot tasks as lm-evaluation-harness 0.4 runs them (names such as "piqa", "arc_easy", "lambada_openai"),
     * on the first {@code limit} documents of each (0 = all), kept in memory only; results in lm-eval's shape.
     */
    public Results evaluate(List<String> tasks, Ablation.Plan plan, int limit) {
        return evaluate(tasks, plan, "api", EvalOptions.defaults().withLimit(limit).withStore(null));
    }

    /** Zero-shot tasks with every option; {@code condition} labels the run in the run store (resume key). */
    public Results evaluate(List<String> tasks, Ablation.Plan plan, String condition, EvalOptions options) {
        return Evaluation.run(plan.model(), tokenizer(), plan.interventions(), condition, tasks, options);
    }

    /** The plan of the model as loaded, with these interventions (for {@link #perplexity} and {@link #evaluate}). */
    public Ablation.Plan with(Interventions interventions) {
        return new Ablation.Plan(model, interventions, interventions.weightEdits().size());
    }

    private Transformer transformer(Ablation.Plan plan) {
        return plan.model() == model ? transformer : new Transformer(plan.model());
    }

    @Override
    public void close() {
        model.checkpoint().close();
    }
}
