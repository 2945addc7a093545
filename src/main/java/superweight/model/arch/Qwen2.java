package superweight.model.arch;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;

/** Qwen2: llama with q/k/v biases (picked up as optional tensors) and NEOX-order RoPE in GGUF. */
final class Qwen2 extends Architecture {
    /** Qwen2Attention builds q/k/v with bias=True whatever the config says, and o_proj without one. */
    @Override
    protected boolean hfQkvBias(JsonNode c) {
        return true;
    }

    @Override
    protected boolean hfOutputBias(JsonNode c) {
        return false;
    }

    /** Released Qwen2 models set use_sliding_window=false; the per-layer window (max_window_layers) is not implemented. */
    @Override
    protected int hfSlidingWindow(JsonNode c, Object where) {
        if (c.path("use_sliding_window").asBoolean(false)) {
            throw new SuperweightException(where + ": use_sliding_window=true is not supported for qwen2");
        }
        return 0;
    }
}
