package superweight.model;

import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.format.Checkpoint;
import superweight.model.tensor.Tensor;

import java.util.List;

/**
 * A loaded model: its configuration and canonical weights, over a memory-mapped checkpoint. Immutable; derived
 * models (weight overlays, quantized copies) share the checkpoint and replace only what they change.
 */
public record Model(
        String id,
        ModelConfig config,
        Tensor embeddings,
        List<LayerWeights> layers,
        float[] finalNorm,
        float[] finalNormBias,
        Tensor lmHead,
        Checkpoint checkpoint) {

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

    public Model withLayers(List<LayerWeights> newLayers) {
        return new Model(id, config, embeddings, List.copyOf(newLayers), finalNorm, finalNormBias, lmHead, checkpoint);
    }
}
