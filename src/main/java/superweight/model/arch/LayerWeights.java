package superweight.model.arch;

import superweight.model.tensor.Tensor;

/**
 * One decoder block in canonical form: separate Q/K/V and gate/up projections in Hugging Face row order
 * (rotate-half RoPE pairing), norms as float arrays (already offset for Gemma). Absent parts are null:
 * e.g. attnNorm for OLMo2 (post-norms instead), norm weights for OLMo (non-parametric LayerNorm), gate for GPT-NeoX.
 */
public record LayerWeights(
        float[] attnNorm, float[] attnNormBias,
        Tensor q, Tensor k, Tensor v, Tensor o,
        float[] qBias, float[] kBias, float[] vBias, float[] oBias,
        float[] qNorm, float[] kNorm,
        float[] postAttnNorm,
        float[] ffnNorm, float[] ffnNormBias,
        Tensor gate, Tensor up, Tensor down,
        float[] upBias, float[] downBias,
        float[] postFfnNorm) {

    public Tensor linear(Linear which) {
        return switch (which) {
            case Q -> q;
            case K -> k;
            case V -> v;
            case O -> o;
            case GATE -> gate;
            case UP -> up;
            case DOWN -> down;
        };
    }

    /** A copy with one projection replaced (used for weight overlays and quantized copies). */
    public LayerWeights with(Linear which, Tensor t) {
        return new LayerWeights(attnNorm, attnNormBias,
                which == Linear.Q ? t : q, which == Linear.K ? t : k, which == Linear.V ? t : v, which == Linear.O ? t : o,
                qBias, kBias, vBias, oBias, qNorm, kNorm, postAttnNorm, ffnNorm, ffnNormBias,
                which == Linear.GATE ? t : gate, which == Linear.UP ? t : up, which == Linear.DOWN ? t : down,
                upBias, downBias, postFfnNorm);
    }

    /** A copy with other pre-norm weights and biases (SmoothQuant folds its factors into them). */
    public LayerWeights withPreNorms(float[] newAttnNorm, float[] newAttnNormBias, float[] newFfnNorm, float[] newFfnNormBias) {
        return new LayerWeights(newAttnNorm, newAttnNormBias, q, k, v, o, qBias, kBias, vBias, oBias, qNorm, kNorm, postAttnNorm,
                newFfnNorm, newFfnNormBias, gate, up, down, upBias, downBias, postFfnNorm);
    }
}
