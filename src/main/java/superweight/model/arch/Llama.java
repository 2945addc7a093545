package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;

/** Llama 1/2/3, TinyLlama, SmolLM: the defaults plus mlp_bias; GGUF stores Q/K in adjacent-pair order. */
final class Llama extends Architecture {
    @Override
    protected boolean ggufAdjacentPairRope() {
        return true;
    }

    /** LlamaMLP: bias=config.mlp_bias (default false). */
    @Override
    protected boolean hfMlpBias(JsonNode c) {
        return c.path("mlp_bias").asBoolean(false);
    }
}
