package superweight.model;

import superweight.SuperweightException;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.Int8KernelTensor;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * How the forward pass multiplies weights and activations. {@link #FLOAT} (the default) is the exact float path
 * of the determinism contract. {@link #INT8} quantizes each linear layer's input rows to 8 bits per block and
 * multiplies ggml-quantized weights in integers, as llama.cpp does (docs/performance.md): a different computation,
 * since activation quantization is itself a variable this tool studies, so it is a derivation step of the model
 * (the run store never shares results between the modes) and is applied only when asked for.
 */
public enum KernelMode {
    FLOAT, INT8;

    /** The derivation step of an int8 model; the run store's model key includes it. */
    public static final String INT8_STEP = "kernels=int8 (activations q8_0/q8_1/q8_K per ggml block, integer block dots in llama.cpp's reference order)";

    public static KernelMode parse(String name) {
        return switch (name.toLowerCase()) {
            case "float" -> FLOAT;
            case "int8" -> INT8;
            default -> throw new SuperweightException("--kernels " + name + ": expected float or int8");
        };
    }

    /** The name users type and see: "float" or "int8". */
    public String label() {
        return name().toLowerCase();
    }

    /**
     * The model whose linear layers and head run in this mode: for INT8 every Q8_0/Q4_0/Q4_1/Q4_K/Q5_K/Q6_K
     * projection and head gets integer products (other storage types stay in float, as in llama.cpp); the token
     * embeddings are read as before. Apply it last, after any weight edit or quantization.
     */
    public Model apply(Model model) {
        if (this == FLOAT || model.derivation().contains(INT8_STEP)) return model;
        List<LayerWeights> layers = new ArrayList<>();
        for (LayerWeights w : model.layers()) {
            for (Linear which : Linear.values()) {
                Tensor t = w.linear(which);
                if (t != null) w = w.with(which, Int8KernelTensor.over(t));
            }
            layers.add(w);
        }
        return model.derived(INT8_STEP, model.embeddings(), layers, Int8KernelTensor.over(model.lmHead()));
    }

    /** The mode a model was derived in. */
    public static KernelMode of(Model model) {
        return model.derivation().contains(INT8_STEP) ? INT8 : FLOAT;
    }
}
