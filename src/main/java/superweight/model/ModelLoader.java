package superweight.model;

import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.format.Checkpoint;
import superweight.model.format.GgufCheckpoint;
import superweight.model.format.GgufFile;
import superweight.model.format.Llama2cCheckpoint;
import superweight.model.format.OnnxCheckpoint;
import superweight.model.format.SafetensorsCheckpoint;
import superweight.model.tensor.Tensor;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;
import superweight.model.arch.Architecture;
import superweight.model.arch.ConfigLimits;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens a checkpoint, reads its configuration and builds the canonical {@link Model}, checking every shape. */
public final class ModelLoader {
    private ModelLoader() {
    }

    public static Model load(Path path) {
        Checkpoint ck = Checkpoint.open(path);
        try {
            return switch (ck.format()) {
                case HUGGING_FACE -> fromHuggingFace((SafetensorsCheckpoint) ck);
                case GGUF -> fromGguf((GgufCheckpoint) ck);
                case LLAMA2C -> fromLlama2c((Llama2cCheckpoint) ck);
                case ONNX -> fromOnnx((OnnxCheckpoint) ck);
                case SYNTHETIC -> throw new SuperweightException(path + ": a synthetic checkpoint is not opened from a file");
            };
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    private static Model fromHuggingFace(SafetensorsCheckpoint ck) {
        Path configFile = ck.directory().resolve("config.json");
        if (!Files.exists(configFile)) throw new SuperweightException(ck.path() + ": no config.json beside the weights");
        return fromHfNames(ck, SafetensorsCheckpoint.readJson(configFile), configFile, ck.directory());
    }

    /** ONNX exports keep Hugging Face names (MatMul weights named through the graph); encoders only. */
    private static Model fromOnnx(OnnxCheckpoint ck) {
        JsonNode c = ck.config();
        Architecture arch = Architecture.forModelType(c.path("model_type").asText("?"), ck.path());
        if (!arch.encoder()) {
            throw new SuperweightException(ck.path() + ": ONNX exports are read for BERT-family encoders only, not " + arch.modelType());
        }
        return fromHfNames(ck, c, ck.path(), ck.directory());
    }

    private static Model fromHfNames(Checkpoint ck, JsonNode c, Path configFile, Path directory) {
        String modelType = c.path("model_type").asText(null);
        if (modelType == null) throw new SuperweightException(configFile + ": no model_type");
        Architecture arch = Architecture.forModelType(modelType, configFile);
        ModelConfig cfg = ConfigLimits.check(arch.hfConfig(c, configFile, ck.has(arch.hfLmHead())), configFile);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.layers(); l++) layers.add(arch.hfLayer(ck, cfg, l));
        Tensor embed = ck.tensor(arch.hfEmbeddings(ck));
        float[] finalNorm = arch.hfFinalNorm() == null ? null : Architecture.vector(ck, arch.hfFinalNorm(), arch.hfNormOffset());
        float[] finalBias = arch.hfFinalNormBias() == null ? null : Architecture.vector(ck, arch.hfFinalNormBias(), 0f);
        Tensor head = cfg.tiedEmbeddings() ? embed : ck.tensor(arch.hfLmHead());
        return check(new Model(displayId(directory), cfg, embed, layers, finalNorm, finalBias, head, ck, List.of(),
                arch.hfEncoderEmbeddings(ck, c)));
    }

    private static Model fromGguf(GgufCheckpoint ck) {
        GgufFile g = ck.gguf();
        String ggufArch = g.getString("general.architecture");
        if (ggufArch == null) throw new SuperweightException(g.path() + ": missing metadata general.architecture");
        Architecture arch = Architecture.forGguf(ggufArch, g.path());
        if (!ck.has("token_embd.weight")) {
            throw new SuperweightException(g.path() + ": no weights (token_embd.weight missing; a vocabulary-only GGUF?)");
        }
        if (ck.has("rope_factors_long.weight") || ck.has("rope_factors_short.weight")) {
            throw new SuperweightException(g.path() + ": LongRoPE scaling (rope_factors_long/short, e.g. Phi-3 128k) is not supported");
        }
        Tensor embed = ck.tensor("token_embd.weight");
        float[] ropeFreqs = ck.has("rope_freqs.weight") ? Architecture.vector(ck, "rope_freqs.weight", 0) : null;
        if (embed.rows() > ConfigLimits.MAX_VOCAB) {
            throw new SuperweightException(g.path() + ": token_embd.weight has " + embed.rows() + " rows, more than the vocabulary cap " + ConfigLimits.MAX_VOCAB);
        }
        ModelConfig cfg = ConfigLimits.check(arch.ggufConfig(g, ggufArch, (int) embed.rows(), ck.has("output.weight"), ropeFreqs), g.path());
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.layers(); l++) layers.add(arch.ggufLayer(ck, cfg, l));
        float[] finalNorm = ck.has("output_norm.weight") ? Architecture.vector(ck, "output_norm.weight", 0) : null;
        float[] finalBias = ck.has("output_norm.bias") ? Architecture.vector(ck, "output_norm.bias", 0) : null;
        Tensor head = cfg.tiedEmbeddings() ? embed : ck.tensor("output.weight");
        String name = g.getString("general.name");
        return check(new Model(name != null ? name : displayId(g.path()), cfg, embed, layers, finalNorm, finalBias, head, ck,
                List.of(), arch.ggufEncoderEmbeddings(ck)));
    }

    private static Model fromLlama2c(Llama2cCheckpoint ck) {
        var h = ck.header();
        Architecture arch = Architecture.forModelType("llama", ck.path());
        int headDim = h.dim() / h.heads();
        ModelConfig cfg = new ModelConfig("llama", h.dim(), h.hiddenDim(), h.layers(), h.heads(), h.kvHeads(), headDim,
                h.vocab(), h.seqLen(), 10000.0, headDim, null, ModelConfig.Norm.RMS, 1e-5, ModelConfig.Activation.SILU,
                true, false, false, false, Float.NaN, 1f, h.sharedClassifier(), 1, 2);
        ConfigLimits.check(cfg, ck.path());
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < cfg.layers(); l++) layers.add(arch.ggufLayer(ck, cfg, l));
        Tensor embed = ck.tensor("token_embd.weight");
        Tensor head = cfg.tiedEmbeddings() ? embed : ck.tensor("output.weight");
        return check(new Model(displayId(ck.path()), cfg, embed, layers, Architecture.vector(ck, "output_norm.weight", 0), null, head, ck));
    }

    private static String displayId(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.getFileName() == null ? abs.toString() : abs.getFileName().toString();
    }

    /**
     * Tensors of the checkpoint that the model does not use, apart from known buffers (rotary inverse frequencies,
     * GPT-NeoX attention masks) and a stored head of a tied model. Call right after loading: a tensor opened
     * later for another reason counts as used. A non-empty answer points at a feature this loader ignores.
     */
    public static List<String> unusedTensors(Model m) {
        var opened = m.checkpoint().openedTensorNames();
        List<String> unused = new ArrayList<>();
        for (String n : m.checkpoint().tensorNames()) {
            if (opened.contains(n) || n.endsWith("rotary_emb.inv_freq") || n.endsWith(".attention.bias") || n.endsWith("embeddings.position_ids")
                    || n.endsWith(".attention.masked_bias")) continue;
            // GGUF and llama2c files of tied models have no output.weight: only a Hugging Face lm_head can be a tied copy
            if (m.config().tiedEmbeddings() && n.equals("lm_head.weight")) continue;
            unused.add(n);
        }
        return unused;
    }

    /**
     * Every tensor must have the shape the config implies; a mismatch names the tensor and both shapes. (The head
     * arithmetic and the rotary width were checked with the config by {@link ConfigLimits}.)
     */
    static Model check(Model m) {
        ModelConfig c = m.config();
        Path p = m.checkpoint().path();
        shape(p, m.embeddings(), c.vocabSize(), c.hiddenSize());
        shape(p, m.lmHead(), c.vocabSize(), c.hiddenSize());
        length(p, "final norm", m.finalNorm(), c.hiddenSize());
        length(p, "final norm bias", m.finalNormBias(), c.hiddenSize());
        if (m.encoder() != null) {
            var e = m.encoder();
            if (e.positions().rows() < (long) c.contextLength() + e.positionOffset() || e.positions().cols() != c.hiddenSize()) {
                throw new SuperweightException(p + ": position embeddings " + e.positions().name() + " have shape [" + e.positions().rows()
                        + ", " + e.positions().cols() + "], expected at least [" + (c.contextLength() + e.positionOffset()) + ", "
                        + c.hiddenSize() + "] for this config");
            }
            if (e.tokenTypes().rows() < 1) throw new SuperweightException(p + ": token type embeddings are empty");
            shape(p, e.tokenTypes(), e.tokenTypes().rows(), c.hiddenSize());
            length(p, "embedding norm", e.norm(), c.hiddenSize());
            length(p, "embedding norm bias", e.normBias(), c.hiddenSize());
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = m.layers().get(l);
            shape(p, w.q(), c.qDim(), c.hiddenSize());
            shape(p, w.k(), c.kvDim(), c.hiddenSize());
            shape(p, w.v(), c.kvDim(), c.hiddenSize());
            shape(p, w.o(), c.hiddenSize(), c.qDim());
            if (w.gate() != null) shape(p, w.gate(), c.intermediateSize(), c.hiddenSize());
            shape(p, w.up(), c.intermediateSize(), c.hiddenSize());
            shape(p, w.down(), c.hiddenSize(), c.intermediateSize());
            String at = "layer " + l + " ";
            length(p, at + "attention norm", w.attnNorm(), c.hiddenSize());
            length(p, at + "attention norm bias", w.attnNormBias(), c.hiddenSize());
            length(p, at + "q bias", w.qBias(), c.qDim());
            length(p, at + "k bias", w.kBias(), c.kvDim());
            length(p, at + "v bias", w.vBias(), c.kvDim());
            length(p, at + "output bias", w.oBias(), c.hiddenSize());
            length(p, at + "q norm", w.qNorm(), c.qDim());
            length(p, at + "k norm", w.kNorm(), c.kvDim());
            length(p, at + "post-attention norm", w.postAttnNorm(), c.hiddenSize());
            length(p, at + "MLP norm", w.ffnNorm(), c.hiddenSize());
            length(p, at + "MLP norm bias", w.ffnNormBias(), c.hiddenSize());
            length(p, at + "up bias", w.upBias(), c.intermediateSize());
            length(p, at + "down bias", w.downBias(), c.hiddenSize());
            length(p, at + "post-MLP norm", w.postFfnNorm(), c.hiddenSize());
        }
        return m;
    }

    private static void shape(Path p, Tensor t, long rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new SuperweightException(p + ": tensor " + t.name() + " has shape [" + t.rows() + ", " + t.cols()
                    + "], expected [" + rows + ", " + cols + "] for this config");
        }
    }

    private static void length(Path p, String what, float[] v, int n) {
        if (v != null && v.length != n) {
            throw new SuperweightException(p + ": " + what + " has " + v.length + " values, expected " + n + " for this config");
        }
    }
}
