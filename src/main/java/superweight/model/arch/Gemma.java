package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.model.arch.ModelConfig.Activation;

/** Gemma v1: embeddings scaled by sqrt(hidden) (rounded to the model dtype), (1 + w) RMSNorm, tanh GELU, tied head. */
final class Gemma extends Architecture {
    @Override
    protected Activation hfActivation(JsonNode c) {
        JsonNode a = c.path("hidden_activation");
        return activation(a.isTextual() ? a.asText() : "gelu_pytorch_tanh", c);
    }

    @Override
    protected Activation ggufActivation() {
        return Activation.GELU_TANH;
    }

    @Override
    protected boolean tiedByDefault() {
        return true;
    }

    @Override
    protected float embeddingScale(int hidden, String torchDtype) {
        float s = (float) Math.sqrt(hidden);
        // transformers multiplies by a tensor in the model dtype, so bfloat16 checkpoints see sqrt(hidden) rounded to bf16.
        if (torchDtype.equals("bfloat16")) s = Float.intBitsToFloat((Float.floatToIntBits(s) + 0x7FFF + ((Float.floatToIntBits(s) >> 16) & 1)) & 0xFFFF0000);
        return s;
    }

    @Override
    public float hfNormOffset() {
        return 1f;
    }
}
