package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.model.format.GgufWriter;
import superweight.model.tensor.GgmlType;
import superweight.quant.GgmlQuantizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight llama GGUF of a given shape (for benchmarks; defaults = the llama.cpp reference shape in ../shared/bench).")
final class SynthCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output .gguf file.")
    Path out;

    @Option(names = "--hidden", defaultValue = "768", description = "Hidden size (default ${DEFAULT-VALUE}).") int hidden;
    @Option(names = "--intermediate", defaultValue = "2048", description = "MLP intermediate size (default ${DEFAULT-VALUE}).") int intermediate;
    @Option(names = "--layers", defaultValue = "12", description = "Decoder layers (default ${DEFAULT-VALUE}).") int layers;
    @Option(names = "--heads", defaultValue = "12", description = "Attention heads (default ${DEFAULT-VALUE}).") int heads;
    @Option(names = "--kv-heads", defaultValue = "12", description = "Key/value heads (default ${DEFAULT-VALUE}).") int kvHeads;
    @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary size (default ${DEFAULT-VALUE}).") int vocab;
    @Option(names = "--context", defaultValue = "2048", description = "Context length (default ${DEFAULT-VALUE}).") int context;

    @Option(names = "--type", defaultValue = "f32", description = "Storage of the linear layers and output: f32, f16, q8_0, q4_0, q4_1.")
    String type;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).") long seed;

    @Override
    public Integer call() {
        int ggml = switch (type.toLowerCase()) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            case "q4_1" -> GgmlType.Q4_1;
            default -> throw new SuperweightException("--type: unknown type '" + type + "' (f32, f16, q8_0, q4_0, q4_1)");
        };
        if (hidden < 1 || intermediate < 1 || layers < 1 || heads < 1 || kvHeads < 1 || vocab < 1 || context < 1) {
            throw new SuperweightException("synth: sizes must be positive");
        }
        if (ggml != GgmlType.F32 && ggml != GgmlType.F16 && (hidden % 32 != 0 || intermediate % 32 != 0)) {
            throw new SuperweightException("--type " + type + ": --hidden and --intermediate must be multiples of the block size 32");
        }
        if (hidden % heads != 0 || heads % kvHeads != 0) throw new SuperweightException("--hidden must divide into --heads, --heads into --kv-heads");
        SplittableRandom rnd = new SplittableRandom(seed);
        int kvDim = hidden / heads * kvHeads;
        GgufWriter w = new GgufWriter()
                .put("general.architecture", "llama").put("general.name", "synthetic-llama")
                .put("llama.context_length", context).put("llama.embedding_length", hidden)
                .put("llama.block_count", layers).put("llama.feed_forward_length", intermediate)
                .put("llama.attention.head_count", heads).put("llama.attention.head_count_kv", kvHeads)
                .put("llama.rope.dimension_count", hidden / heads).put("llama.rope.freq_base", 10000f)
                .put("llama.attention.layer_norm_rms_epsilon", 1e-5f).put("llama.vocab_size", vocab);
        w.tensor("token_embd.weight", new long[]{hidden, vocab}, GgmlType.F32, encode(random(rnd, vocab * hidden), GgmlType.F32));
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            w.tensor(p + "attn_norm.weight", new long[]{hidden}, GgmlType.F32, encode(ones(hidden), GgmlType.F32));
            linear(w, rnd, p + "attn_q.weight", hidden, hidden, ggml);
            linear(w, rnd, p + "attn_k.weight", kvDim, hidden, ggml);
            linear(w, rnd, p + "attn_v.weight", kvDim, hidden, ggml);
            linear(w, rnd, p + "attn_output.weight", hidden, hidden, ggml);
            w.tensor(p + "ffn_norm.weight", new long[]{hidden}, GgmlType.F32, encode(ones(hidden), GgmlType.F32));
            linear(w, rnd, p + "ffn_gate.weight", intermediate, hidden, ggml);
            linear(w, rnd, p + "ffn_up.weight", intermediate, hidden, ggml);
            linear(w, rnd, p + "ffn_down.weight", hidden, intermediate, ggml);
        }
        w.tensor("output_norm.weight", new long[]{hidden}, GgmlType.F32, encode(ones(hidden), GgmlType.F32));
        linear(w, rnd, "output.weight", vocab, hidden, ggml);
        w.write(out);
        spec.commandLine().getOut().printf("wrote %s (%s, hidden %d, %d layers)%n", out, type, hidden, layers);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static void linear(GgufWriter w, SplittableRandom rnd, String name, int rows, int cols, int type) {
        w.tensor(name, new long[]{cols, rows}, type, encode(random(rnd, rows * cols), type));
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * 0.02);
        return v;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    private static byte[] encode(float[] v, int type) {
        return switch (type) {
            case GgmlType.Q8_0 -> GgmlQuantizer.q8_0(v);
            case GgmlType.Q4_0 -> GgmlQuantizer.q4_0(v);
            case GgmlType.Q4_1 -> GgmlQuantizer.q4_1(v);
            case GgmlType.F16 -> {
                ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) b.putShort(Float.floatToFloat16(f));
                yield b.array();
            }
            default -> {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                yield b.array();
            }
        };
    }
}
