package superweight.model.arch;

/** Qwen2: llama with q/k/v biases (picked up as optional tensors) and NEOX-order RoPE in GGUF. */
final class Qwen2 extends Architecture {
}
