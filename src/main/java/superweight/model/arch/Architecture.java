package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;
import superweight.model.arch.ModelConfig.Activation;
import superweight.model.arch.ModelConfig.Norm;
import superweight.model.arch.ModelConfig.RopeScaling;
import superweight.model.format.Checkpoint;
import superweight.model.format.GgufFile;
import superweight.model.tensor.RowView;
import superweight.model.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One model family: how its Hugging Face config and tensor names (and its GGUF variant) map onto
 * {@link ModelConfig} and canonical {@link LayerWeights}. The defaults here are the llama family's; each other
 * family overrides only its quirks, so the forward pass never branches on a family name.
 */
public abstract class Architecture {
    private static final Map<String, Supplier<Architecture>> BY_MODEL_TYPE = Map.ofEntries(
            Map.entry("llama", Llama::new), Map.entry("mistral", Mistral::new), Map.entry("qwen2", Qwen2::new),
            Map.entry("phi3", Phi3::new), Map.entry("olmo", Olmo::new), Map.entry("olmo2", Olmo2::new),
            Map.entry("gemma", Gemma::new), Map.entry("gpt_neox", GptNeox::new),
            Map.entry("bert", () -> new Bert(false)), Map.entry("roberta", () -> new Bert(true)),
            Map.entry("xlm-roberta", () -> new Bert(true)));
    private static final Map<String, String> GGUF_TO_MODEL_TYPE = Map.of(
            "llama", "llama", "qwen2", "qwen2", "phi3", "phi3", "olmo", "olmo", "olmo2", "olmo2",
            "gemma", "gemma", "gptneox", "gpt_neox", "bert", "bert");

    public static final List<String> SUPPORTED = List.of("llama", "mistral", "qwen2", "phi3", "olmo", "olmo2", "gemma", "gpt_neox",
            "bert", "roberta", "xlm-roberta");

    /** The family for a Hugging Face model_type, or a one-line error listing what is supported. */
    public static Architecture forModelType(String modelType, Object where) {
        var s = BY_MODEL_TYPE.get(modelType);
        if (s == null) {
            throw new SuperweightException(where + ": unsupported architecture '" + modelType + "' (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        }
        Architecture a = s.get();
        a.modelType = modelType;
        return a;
    }

    /** The family for a GGUF general.architecture. */
    public static Architecture forGguf(String ggufArch, Object where) {
        String mt = GGUF_TO_MODEL_TYPE.get(ggufArch);
        if (mt == null) {
            throw new SuperweightException(where + ": unsupported GGUF architecture '" + ggufArch
                    + "' (supported: llama, qwen2, phi3, olmo, olmo2, gemma, gptneox, bert)");
        }
        return forModelType(mt, where);
    }

    private String modelType;
    /** Whether config.json builds the MLP with biases (read by {@link #hfConfig}, used by {@link #hfLayer}). */
    private boolean mlpBias;
    /** The same for the q/k/v projections and for o_proj. */
    private boolean qkvBias, outputBias;

    public String modelType() {
        return modelType;
    }

    // ---- configuration hooks (llama defaults) ------------------------------------------------------------------

    protected Norm norm() {
        return Norm.RMS;
    }

    protected double hfNormEps(JsonNode c) {
        return c.path("rms_norm_eps").asDouble(1e-6);
    }

    protected Activation hfActivation(JsonNode c) {
        return activation(c.path("hidden_act").asText("silu"), c);
    }

    protected Activation ggufActivation() {
        return Activation.SILU;
    }

    protected boolean gatedMlp() {
        return true;
    }

    /**
     * Whether transformers gives this family's MLP biases: never by default (Mistral, Qwen2, Gemma, OLMo 2 build
     * theirs with bias=False), so bias tensors stored anyway are ignored, as there, and listed as unused.
     */
    protected boolean hfMlpBias(JsonNode c) {
        return false;
    }

    /**
     * Whether transformers gives this family's q/k/v projections biases: LlamaAttention (also Gemma's, OLMo's and
     * OLMo 2's) builds them with bias=config.attention_bias (default false), so stored biases are otherwise ignored,
     * as there, and listed as unused.
     */
    protected boolean hfQkvBias(JsonNode c) {
        return c.path("attention_bias").asBoolean(false);
    }

    /** The same for o_proj (in LlamaAttention one flag covers all four). */
    protected boolean hfOutputBias(JsonNode c) {
        return c.path("attention_bias").asBoolean(false);
    }

    protected boolean tiedByDefault() {
        return false;
    }

    protected boolean parallelResidual(JsonNode c) {
        return false;
    }

    protected boolean postNorms() {
        return false;
    }

    protected boolean qkNorm() {
        return false;
    }

    /** Whether GGUF stores this family's Q/K rows in adjacent-pair RoPE order (llama.cpp's "normal" RoPE). */
    protected boolean ggufAdjacentPairRope() {
        return false;
    }

    /** Whether GGUF stores Q/K rows in adjacent-pair order (writers permute them so, readers undo it). */
    public final boolean ggufStoresAdjacentPairRope() {
        return ggufAdjacentPairRope();
    }

    /** The GGUF general.architecture of a Hugging Face model_type (mistral is written as llama, as llama.cpp does). */
    public static String ggufName(String modelType) {
        for (var e : GGUF_TO_MODEL_TYPE.entrySet()) if (e.getValue().equals(modelType)) return e.getKey();
        if (modelType.equals("mistral")) return "llama";
        throw new SuperweightException("no GGUF architecture for model_type '" + modelType + "'");
    }

    /**
     * The row order GGUF stores for Q or K of this shape: stored row s holds canonical row storedOrder[s] (the
     * inverse of {@link #unpermuteMap}).
     */
    public static long[] adjacentPairOrder(int heads, int headDim) {
        long[] map = unpermuteMap(heads, headDim);
        long[] inverse = new long[map.length];
        for (int i = 0; i < map.length; i++) inverse[(int) map[i]] = i;
        return inverse;
    }

    protected float embeddingScale(int hidden, String torchDtype) {
        return 1f;
    }

    /** Added to stored norm weights (Gemma's HF checkpoints store w for a (1 + w) scale). */
    public float hfNormOffset() {
        return 0f;
    }

    protected double hfRotaryFraction(JsonNode c) {
        return c.path("partial_rotary_factor").asDouble(1.0);
    }

    protected double hfRopeTheta(JsonNode c) {
        return c.path("rope_theta").asDouble(10000.0);
    }

    static Activation activation(String name, Object where) {
        return switch (name) {
            case "silu", "swish" -> Activation.SILU;
            case "gelu" -> Activation.GELU_ERF;
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> Activation.GELU_TANH;
            default -> throw new SuperweightException(where + ": unsupported activation '" + name + "'");
        };
    }

    // ---- configuration ------------------------------------------------------------------------------------------

    public ModelConfig hfConfig(JsonNode c, Object where, boolean hasLmHead) {
        int hidden = req(c, "hidden_size", where);
        int heads = req(c, "num_attention_heads", where);
        int headDim = c.path("head_dim").isInt() ? c.get("head_dim").asInt() : hidden / heads;
        int kv = c.path("num_key_value_heads").isInt() ? c.get("num_key_value_heads").asInt() : heads;
        int rotary = (int) (headDim * hfRotaryFraction(c));
        boolean tied = c.has("tie_word_embeddings") ? c.get("tie_word_embeddings").asBoolean() : tiedByDefault();
        float clip = c.path("clip_qkv").isNumber() ? (float) c.get("clip_qkv").asDouble() : Float.NaN;
        mlpBias = hfMlpBias(c);
        qkvBias = hfQkvBias(c);
        outputBias = hfOutputBias(c);
        return new ModelConfig(modelType, hidden, req(c, "intermediate_size", where), req(c, "num_hidden_layers", where),
                heads, kv, headDim, req(c, "vocab_size", where), c.path("max_position_embeddings").asInt(2048),
                hfRopeTheta(c), rotary, hfRopeScaling(c.path("rope_scaling"), where), norm(), hfNormEps(c),
                hfActivation(c), gatedMlp(), parallelResidual(c), postNorms(), qkNorm(), clip,
                embeddingScale(hidden, c.path("torch_dtype").asText("float32")), tied || !hasLmHead,
                firstInt(c.path("bos_token_id"), 1), firstInt(c.path("eos_token_id"), 2)).withSlidingWindow(hfSlidingWindow(c, where));
    }

    /** Mistral and Phi-3 read sliding_window (null = none); families that ignore it override. */
    protected int hfSlidingWindow(JsonNode c, Object where) {
        return c.path("sliding_window").isInt() ? c.get("sliding_window").asInt() : 0;
    }

    public ModelConfig ggufConfig(GgufFile g, String arch, int vocab, boolean hasOutput, float[] ropeFreqs) {
        Object where = g.path();
        int hidden = reqLong(g, arch + ".embedding_length");
        int heads = reqLong(g, arch + ".attention.head_count");
        Integer kvL = optInt(g, arch + ".attention.head_count_kv");
        Integer keyLen = optInt(g, arch + ".attention.key_length");
        int headDim = keyLen != null ? keyLen : hidden / heads;
        Integer rot = optInt(g, arch + ".rope.dimension_count");
        Double eps = g.getDouble(arch + ".attention.layer_norm_rms_epsilon");
        if (eps == null) eps = g.getDouble(arch + ".attention.layer_norm_epsilon");
        Double theta = g.getDouble(arch + ".rope.freq_base");
        Double clip = g.getDouble(arch + ".attention.clamp_kqv");
        Integer ctx = optInt(g, arch + ".context_length");
        Boolean parallel = g.getBoolean(arch + ".use_parallel_residual");
        RopeScaling scaling = null;
        String scalingType = g.getString(arch + ".rope.scaling.type");
        if (ropeFreqs != null) {
            scaling = new RopeScaling("divisors", 1, 0, 0, 0, ropeFreqs);
        } else if ("linear".equals(scalingType)) {
            Double factor = g.getDouble(arch + ".rope.scaling.factor");
            if (factor == null) throw new SuperweightException(where + ": linear rope scaling without " + arch + ".rope.scaling.factor");
            scaling = new RopeScaling("linear", factor, 0, 0, 0, null);
        } else if (scalingType != null && !scalingType.equals("none")) {
            throw new SuperweightException(where + ": unsupported rope scaling type '" + scalingType + "'");
        }
        Integer bos = optInt(g, "tokenizer.ggml.bos_token_id");
        Integer eos = optInt(g, "tokenizer.ggml.eos_token_id");
        Integer window = optInt(g, arch + ".attention.sliding_window");
        return new ModelConfig(modelType, hidden, reqLong(g, arch + ".feed_forward_length"), reqLong(g, arch + ".block_count"),
                heads, kvL != null ? kvL : heads, headDim, vocab, ctx != null ? ctx : 2048,
                theta != null ? theta : 10000.0, rot != null ? rot : headDim, scaling, norm(),
                eps != null ? eps : 1e-5, ggufActivation(), gatedMlp(), parallel != null ? parallel : parallelResidual(null),
                postNorms(), qkNorm(), clip != null ? clip.floatValue() : Float.NaN, embeddingScale(hidden, "float32"),
                !hasOutput, bos != null ? bos : 1, eos != null ? eos : 2)
                .withSlidingWindow(window != null ? window : 0);
    }

    static RopeScaling hfRopeScaling(JsonNode rs, Object where) {
        if (rs == null || rs.isNull() || rs.isMissingNode()) return null;
        String type = rs.has("rope_type") ? rs.get("rope_type").asText() : rs.path("type").asText("");
        return switch (type) {
            case "default" -> null;
            case "linear" -> new RopeScaling("linear", rs.path("factor").asDouble(1), 0, 0, 0, null);
            case "llama3" -> new RopeScaling("llama3", rs.path("factor").asDouble(8), rs.path("low_freq_factor").asDouble(1),
                    rs.path("high_freq_factor").asDouble(4), rs.path("original_max_position_embeddings").asDouble(8192), null);
            default -> throw new SuperweightException(where + ": unsupported rope_scaling type '" + type
                    + "' (supported: linear, llama3)");
        };
    }

    /** A required size: a positive int (checked here because sizes divide each other before ConfigLimits runs). */
    private static int req(JsonNode c, String key, Object where) {
        if (!c.path(key).canConvertToInt()) throw new SuperweightException(where + ": config.json has no integer " + key);
        int v = c.get(key).asInt();
        if (v <= 0) throw new SuperweightException(where + ": config.json " + key + " " + v + " is not positive");
        return v;
    }

    private static int reqLong(GgufFile g, String key) {
        Long v = g.getLong(key);
        if (v == null) throw new SuperweightException(g.path() + ": missing metadata " + key);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new SuperweightException(g.path() + ": metadata " + key + " " + v + " is outside 1.." + Integer.MAX_VALUE);
        return v.intValue();
    }

    /** An optional int metadata value; a value beyond int range is refused instead of silently wrapping. */
    private static Integer optInt(GgufFile g, String key) {
        Long v = g.getLong(key);
        if (v == null) return null;
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new SuperweightException(g.path() + ": metadata " + key + " " + v + " is outside int range");
        return v.intValue();
    }

    private static int firstInt(JsonNode n, int dflt) {
        if (n.isInt()) return n.asInt();
        if (n.isArray() && !n.isEmpty()) return n.get(0).asInt();
        return dflt;
    }

    // ---- tensors: Hugging Face ---------------------------------------------------------------------------------

    public String hfEmbeddings() {
        return "model.embed_tokens.weight";
    }

    /** The word embedding tensor's name in this checkpoint (families with optional prefixes look at it). */
    public String hfEmbeddings(Checkpoint ck) {
        return hfEmbeddings();
    }

    public String hfFinalNorm() {
        return "model.norm.weight";
    }

    /** Whether the family is a bidirectional encoder (see {@link EncoderEmbeddings}). */
    public boolean encoder() {
        return false;
    }

    /** An encoder's embeddings before the first block; null for decoders. */
    public EncoderEmbeddings hfEncoderEmbeddings(Checkpoint ck, JsonNode config) {
        return null;
    }

    /** The same from a GGUF file; null for decoders. */
    public EncoderEmbeddings ggufEncoderEmbeddings(Checkpoint ck) {
        return null;
    }

    public String hfFinalNormBias() {
        return null;
    }

    public String hfLmHead() {
        return "model.embed_tokens.weight".equals(hfEmbeddings()) ? "lm_head.weight" : "embed_out.weight";
    }

    /** Llama-style names; families with fused or renamed tensors override. */
    public LayerWeights hfLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String p = "model.layers." + l + ".";
        String a = p + "self_attn.", m = p + "mlp.";
        if (mlpBias && ck.has(m + "gate_proj.bias")) {
            throw new SuperweightException(ck.path() + ": tensor " + m + "gate_proj.bias (mlp_bias) is not supported");
        }
        float off = hfNormOffset();
        return new LayerWeights(
                postNorms() ? null : vector(ck, p + "input_layernorm.weight", off), null,
                ck.tensor(a + "q_proj.weight"), ck.tensor(a + "k_proj.weight"), ck.tensor(a + "v_proj.weight"), ck.tensor(a + "o_proj.weight"),
                hfAttentionBias(ck, a + "q_proj.bias", false), hfAttentionBias(ck, a + "k_proj.bias", false),
                hfAttentionBias(ck, a + "v_proj.bias", false), hfAttentionBias(ck, a + "o_proj.bias", true),
                qkNorm() ? vector(ck, a + "q_norm.weight", 0) : null, qkNorm() ? vector(ck, a + "k_norm.weight", 0) : null,
                postNorms() ? vector(ck, p + "post_attention_layernorm.weight", 0) : null,
                postNorms() ? null : vector(ck, p + "post_attention_layernorm.weight", off), null,
                ck.tensor(m + "gate_proj.weight"), ck.tensor(m + "up_proj.weight"), ck.tensor(m + "down_proj.weight"),
                mlpBias ? optVec(ck, m + "up_proj.bias") : null, mlpBias ? optVec(ck, m + "down_proj.bias") : null,
                postNorms() ? vector(ck, p + "post_feedforward_layernorm.weight", 0) : null);
    }

    /** A stored q/k/v bias (or, with {@code output}, the o_proj one) if config.json builds the projection with a bias, else null. */
    protected final float[] hfAttentionBias(Checkpoint ck, String name, boolean output) {
        return (output ? outputBias : qkvBias) ? optVec(ck, name) : null;
    }

    // ---- tensors: GGUF (one naming scheme for every family) ----------------------------------------------------

    public LayerWeights ggufLayer(Checkpoint ck, ModelConfig cfg, int l) {
        String p = "blk." + l + ".";
        Tensor q, k, v;
        float[] qb, kb, vb;
        if (ck.has(p + "attn_qkv.weight")) {
            Tensor qkv = ck.tensor(p + "attn_qkv.weight");
            expectRows(ck, qkv, cfg.qDim() + 2L * cfg.kvDim());
            q = RowView.slice(p + "attn_q", qkv, 0, cfg.qDim());
            k = RowView.slice(p + "attn_k", qkv, cfg.qDim(), cfg.kvDim());
            v = RowView.slice(p + "attn_v", qkv, cfg.qDim() + cfg.kvDim(), cfg.kvDim());
            float[] b = optVec(ck, p + "attn_qkv.bias");
            expectLength(ck, p + "attn_qkv.bias", b, cfg.qDim() + 2L * cfg.kvDim());
            qb = b == null ? null : java.util.Arrays.copyOfRange(b, 0, cfg.qDim());
            kb = b == null ? null : java.util.Arrays.copyOfRange(b, cfg.qDim(), cfg.qDim() + cfg.kvDim());
            vb = b == null ? null : java.util.Arrays.copyOfRange(b, cfg.qDim() + cfg.kvDim(), cfg.qDim() + 2 * cfg.kvDim());
        } else {
            q = ck.tensor(p + "attn_q.weight");
            k = ck.tensor(p + "attn_k.weight");
            v = ck.tensor(p + "attn_v.weight");
            qb = optVec(ck, p + "attn_q.bias");
            kb = optVec(ck, p + "attn_k.bias");
            vb = optVec(ck, p + "attn_v.bias");
        }
        if (ggufAdjacentPairRope()) {
            // checked here so that a short tensor is named with its file, not by the row view below
            expectRows(ck, q, cfg.qDim());
            expectRows(ck, k, cfg.kvDim());
            q = unpermute(q, cfg.heads(), cfg.headDim());
            k = unpermute(k, cfg.kvHeads(), cfg.headDim());
            qb = unpermute(qb, cfg.heads(), cfg.headDim());
            kb = unpermute(kb, cfg.kvHeads(), cfg.headDim());
        }
        if (ck.has(p + "ffn_gate.bias")) throw new SuperweightException(ck.path() + ": tensor " + p + "ffn_gate.bias is not supported");
        Tensor gate, up;
        Tensor upRaw = ck.tensor(p + "ffn_up.weight");
        if (!gatedMlp()) {
            gate = null;
            up = upRaw;
        } else if (ck.has(p + "ffn_gate.weight")) {
            gate = ck.tensor(p + "ffn_gate.weight");
            up = upRaw;
        } else {
            expectRows(ck, upRaw, 2L * cfg.intermediateSize());
            gate = RowView.slice(p + "ffn_gate", upRaw, 0, cfg.intermediateSize());
            up = RowView.slice(p + "ffn_up", upRaw, cfg.intermediateSize(), cfg.intermediateSize());
        }
        return new LayerWeights(
                optVec(ck, p + "attn_norm.weight"), optVec(ck, p + "attn_norm.bias"),
                q, k, v, ck.tensor(p + "attn_output.weight"),
                qb, kb, vb, optVec(ck, p + "attn_output.bias"),
                optVec(ck, p + "attn_q_norm.weight"), optVec(ck, p + "attn_k_norm.weight"),
                optVec(ck, p + "post_attention_norm.weight"),
                optVec(ck, p + "ffn_norm.weight"), optVec(ck, p + "ffn_norm.bias"),
                gate, up, ck.tensor(p + "ffn_down.weight"),
                optVec(ck, p + "ffn_up.bias"), optVec(ck, p + "ffn_down.bias"),
                optVec(ck, p + "post_ffw_norm.weight"));
    }

    /** Maps rows stored in adjacent-pair RoPE order (2i, 2i+1) back to rotate-half order (i, i + d/2), per head. */
    static long[] unpermuteMap(int heads, int headDim) {
        long[] map = new long[heads * headDim];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int r = 0; r < headDim; r++) {
                int src = r < half ? 2 * r : 2 * (r - half) + 1;
                map[h * headDim + r] = (long) h * headDim + src;
            }
        }
        return map;
    }

    static Tensor unpermute(Tensor t, int heads, int headDim) {
        return RowView.gather(t.name(), t, unpermuteMap(heads, headDim));
    }

    static float[] unpermute(float[] b, int heads, int headDim) {
        if (b == null) return null;
        long[] map = unpermuteMap(heads, headDim);
        float[] r = new float[b.length];
        for (int i = 0; i < r.length; i++) r[i] = b[(int) map[i]];
        return r;
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /**
     * A norm weight or bias copied to the heap, plus {@code offset}: one row (transformers refuses a vector stored
     * with another shape), no longer than any norm or table, checked before the copy is allocated.
     */
    public static float[] vector(Checkpoint ck, String name, float offset) {
        Tensor t = ck.tensor(name);
        if (t.rows() != 1) {
            throw new SuperweightException(ck.path() + ": tensor " + name + " has " + t.rows() + " rows of " + t.cols() + " values, expected one vector");
        }
        if (t.cols() > ConfigLimits.MAX_INTERMEDIATE) {
            throw new SuperweightException(ck.path() + ": vector tensor " + name + " has " + t.cols() + " values, more than any norm or table");
        }
        float[] v = new float[(int) t.cols()];
        t.readRow(0, v, 0);
        if (offset != 0) for (int i = 0; i < v.length; i++) v[i] += offset;
        return v;
    }

    protected static float[] optVec(Checkpoint ck, String name) {
        return ck.has(name) ? vector(ck, name, 0) : null;
    }

    /** A fused bias is split by offsets: one of the wrong length would be cut short or padded with zeros. */
    static void expectLength(Checkpoint ck, String name, float[] v, long n) {
        if (v != null && v.length != n) {
            throw new SuperweightException(ck.path() + ": tensor " + name + " has " + v.length + " values, expected " + n + " for this config");
        }
    }

    static void expectRows(Checkpoint ck, Tensor t, long rows) {
        if (t.rows() != rows) {
            throw new SuperweightException(ck.path() + ": tensor " + t.name() + " has " + t.rows() + " rows, expected " + rows
                    + " for this config");
        }
    }
}
