package superweight.model.arch;

/** Llama 1/2/3, TinyLlama, SmolLM and Mistral: the defaults; GGUF stores Q/K in adjacent-pair order. */
final class Llama extends Architecture {
    @Override
    protected boolean ggufAdjacentPairRope() {
        return true;
    }
}
