package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Mistral: llama's forward pass, but MistralAttention and MistralMLP have no biases whatever the config says
 * (llama's follow attention_bias and mlp_bias); GGUF stores it as llama, Q/K in adjacent-pair order.
 */
final class Mistral extends Architecture {
    @Override
    protected boolean ggufAdjacentPairRope() {
        return true;
    }

    @Override
    protected boolean hfQkvBias(JsonNode c) {
        return false;
    }

    @Override
    protected boolean hfOutputBias(JsonNode c) {
        return false;
    }
}
