package superweight.model;

import superweight.SuperweightException;

/**
 * The precision of attention's keys and values. {@link #F32} (the default) keeps them in float, as the rest of the
 * forward pass. {@link #F16} computes as llama.cpp does with its default f16 KV cache ({@code -ctk f16 -ctv f16},
 * without flash attention) on x86 and in ggml's generic code: keys and values rounded to f16 when cached, and the
 * two attention products taking f16 inputs with float sums, so the queries are rounded to f16 before the scores and
 * the softmax probabilities before they weight the values. A different computation from F32 (on the shared
 * llama2c checkpoint it moves the perplexity by 3.5e-4), so it is a derivation step of the model and the run store
 * keeps its results apart.
 */
public enum KvCache {
    F32, F16;

    /** The derivation step of an f16-cache model; the run store's model key includes it. */
    public static final String F16_STEP = "kv-cache=f16 (keys and values rounded to f16 when cached; queries and attention "
            + "probabilities rounded to f16 before their products, as llama.cpp's default KV cache)";

    public static KvCache parse(String name) {
        return switch (name.toLowerCase()) {
            case "f32" -> F32;
            case "f16" -> F16;
            default -> throw new SuperweightException("--kv-cache " + name + ": expected f32 or f16");
        };
    }

    /** The name users type and see: "f32" or "f16". */
    public String label() {
        return name().toLowerCase();
    }

    /**
     * The model whose attention runs with this cache precision (an encoder has no cache: refused for F16). Apply it
     * before the kernel mode, so that one computation has one derivation, hence one run store key.
     */
    public Model apply(Model model) {
        if (this == F32 || of(model) == this) return model;
        if (model.isEncoder()) throw new SuperweightException("--kv-cache f16: " + model.id() + " is an encoder, which has no KV cache");
        if (KernelMode.of(model) != KernelMode.FLOAT) throw new IllegalStateException("apply the KV cache precision before the kernel mode");
        return model.derived(F16_STEP, model.embeddings(), model.layers(), model.lmHead());
    }

    /** The cache precision a model was derived with. */
    public static KvCache of(Model model) {
        return model.derivation().contains(F16_STEP) ? F16 : F32;
    }
}
