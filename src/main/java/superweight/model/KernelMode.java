package superweight.model;

import superweight.SuperweightException;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.Int8KernelTensor;
import superweight.model.tensor.Q8Activations;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * How the forward pass multiplies weights and activations. {@link #FLOAT} (the default) is the exact float path
 * of the determinism contract. {@link #INT8} quantizes each linear layer's input rows to 8 bits per block and
 * multiplies ggml-quantized weights in integers, as llama.cpp does (docs/performance.md): a different computation,
 * since activation quantization is itself a variable this tool studies, so it is a derivation step of the model
 * (the run store never shares results between the modes) and is applied only when asked for. {@link #INT8_X86}
 * is INT8 with the Q8_0/Q8_1 activation rows rounded as llama.cpp's x86 builds round them
 * ({@link Q8Activations.Rounding#X86}), a separate named mode for matching an x86 llama.cpp run.
 */
public enum KernelMode {
    FLOAT, INT8, INT8_X86;

    /** The derivation step of an int8 model; the run store's model key includes it. */
    public static final String INT8_STEP = "kernels=int8 (activations q8_0/q8_1/q8_K per ggml block, integer block dots in llama.cpp's reference order)";
    /** The derivation step of an int8-x86 model. */
    public static final String INT8_X86_STEP = "kernels=int8-x86 (activations q8_0/q8_1 rounded as llama.cpp's x86 quantizer: 127 / amax, "
            + "halves to even; q8_K per ggml block; integer block dots in llama.cpp's reference order)";

    public static KernelMode parse(String name) {
        return switch (name.toLowerCase()) {
            case "float" -> FLOAT;
            case "int8" -> INT8;
            case "int8-x86" -> INT8_X86;
            default -> throw new SuperweightException("--kernels " + name + ": expected float, int8 or int8-x86");
        };
    }

    /** The name users type and see: "float", "int8" or "int8-x86". */
    public String label() {
        return this == INT8_X86 ? "int8-x86" : name().toLowerCase();
    }

    private String step() {
        return this == INT8_X86 ? INT8_X86_STEP : INT8_STEP;
    }

    /**
     * The model whose linear layers and head run in this mode: for INT8 every Q8_0/Q4_0/Q4_1/Q4_K/Q5_K/Q6_K
     * projection and head gets integer products (other storage types stay in float, as in llama.cpp); the token
     * embeddings are read as before. Apply it last, after any weight edit or quantization.
     */
    public Model apply(Model model) {
        if (this == FLOAT || of(model) == this) return model;
        if (of(model) != FLOAT) throw new SuperweightException("the model already runs in --kernels " + of(model).label() + ", not " + label());
        Q8Activations.Rounding rounding = this == INT8_X86 ? Q8Activations.Rounding.X86 : Q8Activations.Rounding.REFERENCE;
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights w : model.layers()) {
            for (Linear which : Linear.values()) {
                Tensor t = w.linear(which);
                if (t != null) w = w.with(which, Int8KernelTensor.over(t, rounding));
            }
            layers.add(w);
        }
        return model.derived(step(), model.embeddings(), layers, Int8KernelTensor.over(model.lmHead(), rounding));
    }

    /** The mode a model was derived in. */
    public static KernelMode of(Model model) {
        if (model.derivation().contains(INT8_STEP)) return INT8;
        return model.derivation().contains(INT8_X86_STEP) ? INT8_X86 : FLOAT;
    }
}
