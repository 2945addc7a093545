package superweight.model;

import superweight.model.arch.EncoderEmbeddings;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.format.Checkpoint;
import superweight.model.tensor.Tensor;

import java.util.List;

/**
 * A loaded model: its configuration and canonical weights, over a memory-mapped checkpoint. Immutable; derived
 * models (weight overlays, quantized copies) share the checkpoint and replace only what they change.
 * {@code derivation} lists, in order, the canonical description of every transformation that produced this model
 * from the checkpoint (e.g. a quantization scheme with all its parameters); the run store's model key includes it,
 * so two differently derived models never share stored results even where their sampled weights agree.
 * {@code encoder} is null for decoders; for BERT-family encoders it holds the position/token-type embeddings and
 * the embedding LayerNorm, and the model has no head ({@code lmHead} is the word embedding table, unused).
 */
public record Model(
        String id,
        ModelConfig config,
        Tensor embeddings,
        List<LayerWeights> layers,
        float[] finalNorm,
        float[] finalNormBias,
        Tensor lmHead,
        Checkpoint checkpoint,
        List<String> derivation,
        EncoderEmbeddings encoder) {

    public Model {
        layers = List.copyOf(layers);
        derivation = List.copyOf(derivation);
    }

    /** A decoder with a derivation. */
    public Model(String id, ModelConfig config, Tensor embeddings, List<LayerWeights> layers, float[] finalNorm,
                 float[] finalNormBias, Tensor lmHead, Checkpoint checkpoint, List<String> derivation) {
        this(id, config, embeddings, layers, finalNorm, finalNormBias, lmHead, checkpoint, derivation, null);
    }

    /** A decoder as loaded from its checkpoint (no derivation). */
    public Model(String id, ModelConfig config, Tensor embeddings, List<LayerWeights> layers, float[] finalNorm,
                 float[] finalNormBias, Tensor lmHead, Checkpoint checkpoint) {
        this(id, config, embeddings, layers, finalNorm, finalNormBias, lmHead, checkpoint, List.of(), null);
    }

    /** Whether this is a bidirectional encoder (run by {@code engine.Encoder}, not {@code engine.Transformer}). */
    public boolean isEncoder() {
        return encoder != null;
    }

    /** Total parameters in the checkpoint's tensors. */
    public long parameterCount() {
        long n = 0;
        for (String t : checkpoint.tensorNames()) {
            long e = 1;
            for (long d : checkpoint.shape(t)) e *= d;
            n += e;
        }
        return n;
    }

    /** The same model with other layer weights, same derivation (for views such as weight overlays). */
    public Model withLayers(List<LayerWeights> newLayers) {
        return new Model(id, config, embeddings, newLayers, finalNorm, finalNormBias, lmHead, checkpoint, derivation, encoder);
    }

    /** A model derived from this one by {@code step} (a canonical description), with new tensors. */
    public Model derived(String step, Tensor newEmbeddings, List<LayerWeights> newLayers, Tensor newLmHead) {
        List<String> steps = new java.util.ArrayList<>(derivation);
        steps.add(step);
        return new Model(id, config, newEmbeddings, newLayers, finalNorm, finalNormBias, newLmHead, checkpoint, steps, encoder);
    }
}
