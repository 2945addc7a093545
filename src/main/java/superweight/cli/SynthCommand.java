package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.export.ModelExport;
import superweight.export.SuperWeightPlant;
import superweight.export.SyntheticModel;
import superweight.model.Model;
import superweight.model.tensor.GgmlType;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight llama of any shape, streaming, as a GGUF (--out x.gguf) or a Hugging Face "
                + "safetensors directory, optionally with planted super weights (defaults = llama.cpp's reference "
                + "benchmark shape).")
final class SynthCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output: a .gguf file, a .safetensors file, or a directory (Hugging Face layout).")
    Path out;

    @Option(names = "--format", description = "gguf or hf (default: gguf when --out ends in .gguf, else hf).")
    String format;

    @Option(names = "--hidden", defaultValue = "768", description = "Hidden size (default ${DEFAULT-VALUE}).") int hidden;
    @Option(names = "--intermediate", defaultValue = "2048", description = "MLP intermediate size (default ${DEFAULT-VALUE}).") int intermediate;
    @Option(names = "--layers", defaultValue = "12", description = "Decoder layers (default ${DEFAULT-VALUE}).") int layers;
    @Option(names = "--heads", defaultValue = "12", description = "Attention heads (default ${DEFAULT-VALUE}).") int heads;
    @Option(names = "--kv-heads", defaultValue = "12", description = "Key/value heads (default ${DEFAULT-VALUE}).") int kvHeads;
    @Option(names = "--vocab", defaultValue = "32000", description = "Vocabulary size (default ${DEFAULT-VALUE}).") int vocab;
    @Option(names = "--context", defaultValue = "2048", description = "Context length (default ${DEFAULT-VALUE}).") int context;

    @Option(names = "--type", defaultValue = "f32",
            description = "Storage of the matrices: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q5_k, q6_k (GGUF); f32, f16, bf16 (hf). Default ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--plant-super-weight", paramLabel = "L:R:C[:V]",
            description = "Plant a super weight W[R,C]=V (default V " + SuperWeightPlant.DEFAULT_VALUE
                    + ") in layer L's down_proj, with the gate/up rows that create its super activation on BOS (repeatable).")
    List<String> plant = new ArrayList<>();

    @Option(names = "--shard-size", defaultValue = "5000000000", description = "Hugging Face shards of at most this many bytes (default ${DEFAULT-VALUE}).")
    long shardBytes;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).") long seed;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        String fmt = format != null ? format.toLowerCase() : out.getFileName().toString().endsWith(".gguf") ? "gguf" : "hf";
        if (!fmt.equals("gguf") && !fmt.equals("hf")) throw new SuperweightException("--format: expected gguf or hf, not '" + format + "'");
        if (fmt.equals("gguf") != out.getFileName().toString().endsWith(".gguf")) {
            throw new SuperweightException("--out " + out + ": --format " + fmt + (fmt.equals("gguf") ? " needs a name ending in .gguf" : " needs a directory or .safetensors name"));
        }
        int ggml = ModelExport.ggmlType(type, "--type");
        int block = GgmlType.blockSize(ggml);
        if (hidden % block != 0 || intermediate % block != 0) {
            throw new SuperweightException("--type " + type + ": --hidden and --intermediate must be multiples of the block size " + block);
        }
        long start = System.nanoTime();
        Model m = SyntheticModel.llama(new SyntheticModel.Shape(hidden, intermediate, layers, heads, kvHeads, vocab, context), seed);
        List<SuperWeight> planted = new ArrayList<>();
        for (String p : plant) {
            SuperWeight sw = parsePlant(p);
            m = SuperWeightPlant.plant(m, sw);
            planted.add(sw);
        }
        ModelExport.Result r = ModelExport.write(m, out, new ModelExport.Options(type, type, List.of(), 0, shardBytes));
        double seconds = (System.nanoTime() - start) / 1e9;
        PrintWriter o = spec.commandLine().getOut();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("out", out.toString());
        j.put("format", fmt);
        j.put("type", type.toLowerCase());
        j.put("parameters", r.tensors().stream().mapToLong(t -> Arrays.stream(t.dims()).reduce(1, (a, b) -> a * b)).sum());
        j.put("bytes", r.bytes());
        j.put("files", r.files().stream().map(Path::toString).toList());
        j.put("planted", planted.stream().map(s -> Map.of("layer", s.layer(), "row", s.row(), "col", s.col(), "value", s.value())).toList());
        j.put("seconds", Math.round(seconds * 100) / 100.0);
        if (json) {
            Cli.printJson(o, j);
        } else {
            o.printf("wrote %s (%s %s, hidden %d, %d layers, %.1f MB in %.1f s)%n", out, fmt, type.toLowerCase(), hidden, layers, r.bytes() / 1e6, seconds);
            o.flush();
        }
        return 0;
    }

    static SuperWeight parsePlant(String spec) {
        String[] f = spec.trim().split(":");
        try {
            if (f.length != 3 && f.length != 4) throw new NumberFormatException();
            float v = f.length == 4 ? Float.parseFloat(f[3]) : SuperWeightPlant.DEFAULT_VALUE;
            return new SuperWeight(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), v);
        } catch (NumberFormatException e) {
            throw new SuperweightException("--plant-super-weight '" + spec + "': expected layer:row:col[:value]");
        }
    }
}
