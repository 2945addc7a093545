package superweight.cli;

import picocli.CommandLine.Option;
import superweight.model.KernelMode;
import superweight.model.Model;

/** The --kernels option of the commands that run forward passes (a picocli mixin). */
final class KernelsOption {
    @Option(names = "--kernels", defaultValue = "float", paramLabel = "MODE",
            description = "float (default: the exact float path), int8 or int8-x86: each linear layer's input quantized to 8 bits per block "
                    + "and multiplied in integers against Q8_0/Q4_0/Q4_1/Q4_K/Q5_K/Q6_K weights, with the float steps of llama.cpp's reference C dots "
                    + "(other weight types stay in float); int8-x86 rounds the 8-bit rows as llama.cpp's x86 builds do (127 / amax, halves to even). "
                    + "A different computation: its results are stored apart from float ones.")
    String name;

    KernelMode mode() {
        return KernelMode.parse(name);
    }

    /** The model in the chosen mode (apply after every other derivation). */
    Model apply(Model m) {
        return mode().apply(m);
    }

    String label() {
        return mode().label();
    }
}
