package superweight.cli;

import picocli.CommandLine.Option;
import superweight.model.KernelMode;
import superweight.model.KvCache;
import superweight.model.Model;

/** The arithmetic of a forward pass, --kernels and --kv-cache, for the commands that run one (a picocli mixin). */
final class KernelsOption {
    @Option(names = "--kernels", defaultValue = "float", paramLabel = "MODE",
            description = "float (default: the exact float path), int8 or int8-x86: each linear layer's input quantized to 8 bits per block "
                    + "and multiplied in integers against Q8_0/Q4_0/Q4_1/Q4_K/Q5_K/Q6_K weights, with the float steps of llama.cpp's reference C dots "
                    + "(other weight types stay in float); int8-x86 rounds the 8-bit rows as llama.cpp's x86 builds do (127 / amax, halves to even). "
                    + "A different computation: its results are stored apart from float ones.")
    String name;

    @Option(names = "--kv-cache", defaultValue = "f32", paramLabel = "TYPE",
            description = "f32 (default) or f16: attention as with llama.cpp's default f16 KV cache (keys and values rounded to f16, "
                    + "though held in float here, so no memory is saved; queries and attention probabilities rounded to f16 before their products, as llama.cpp without flash attention), "
                    + "to compare with llama.cpp's default perplexities, which the default f32 cache meets only against "
                    + "llama.cpp's -ctk f32 -ctv f32. Stored apart from f32 results.")
    String kvCache;

    KernelMode mode() {
        return KernelMode.parse(name);
    }

    KvCache cache() {
        return KvCache.parse(kvCache);
    }

    /** The model in the chosen mode and cache precision (apply after every other derivation). */
    Model apply(Model m) {
        return mode().apply(cache().apply(m));
    }

    /**
     * The model of {@code model} in the chosen mode and cache precision: both options checked before it loads, and
     * its checkpoint closed when they cannot apply to it (an f16 cache for an encoder).
     */
    Model load(ModelOption model) {
        mode();
        cache();
        Model loaded = model.load();
        try {
            return apply(loaded);
        } catch (RuntimeException e) {
            loaded.checkpoint().close();
            throw e;
        }
    }

    /** The kernel mode's name ("float", "int8", "int8-x86"), the "kernels" field of JSON outputs. */
    String label() {
        return mode().label();
    }

    /** The cache precision's name ("f32", "f16"), the "kv_cache" field of JSON outputs. */
    String cacheLabel() {
        return cache().label();
    }

    /** Both for a text line: "int8", or "float, kv-cache f16" when the cache is not the default. */
    String text() {
        return cache() == KvCache.F32 ? label() : label() + ", kv-cache " + cacheLabel();
    }
}
