package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.analysis.DetectionRule;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;
import superweight.export.ModelExport;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Write a model as a GGUF (--out x.gguf; any type, optionally super-weight-aware mixed) or as a "
                + "Hugging Face safetensors directory / .safetensors file (f32, f16, bf16).")
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "Model to convert (any format --model takes elsewhere).")
    String model;

    @Option(names = "--out", required = true, description = "x.gguf, x.safetensors, or a directory (Hugging Face layout).")
    Path out;

    @Option(names = "--type", defaultValue = "f16",
            description = "Storage of the matrices: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q5_k, q6_k (GGUF); f32, f16, bf16 (safetensors). Default ${DEFAULT-VALUE}.")
    String type;

    @Option(names = "--super-weights", paramLabel = "SRC",
            description = "Keep the down_proj tensors holding these super weights at --high-type: auto, detect (on the paper's prompt, default rule), catalog or L:R:C[,L:R:C...] (GGUF only).")
    String superWeights;

    @Option(names = "--keep-high", defaultValue = "0",
            description = "Also keep the N matrices with the largest relative --type quantization error at --high-type (GGUF only).")
    int keepHigh;

    @Option(names = "--high-type", defaultValue = "q8_0", description = "Type of the protected tensors (default ${DEFAULT-VALUE}).")
    String highType;

    @Option(names = "--model-id", description = "Catalog name for --super-weights catalog.")
    String modelId;

    @Option(names = "--shard-size", defaultValue = "5000000000", description = "Hugging Face shards of at most this many bytes (default ${DEFAULT-VALUE}).")
    long shardBytes;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        try (AnalysisSession s = new AnalysisSession(model, modelId)) {
            List<SuperWeight> sws = superWeights == null ? List.of()
                    : s.superWeights(superWeights, () -> s.encode(SuperWeightDetector.PAPER_PROMPT, "--super-weights detect"),
                    DetectionRule.defaultRule()).weights();
            ModelExport.Result r = ModelExport.write(s.model, out, new ModelExport.Options(type, highType, sws, keepHigh, shardBytes));
            Map<String, Integer> types = new TreeMap<>();
            r.tensors().forEach(t -> types.merge(t.type(), 1, Integer::sum));
            PrintWriter o = spec.commandLine().getOut();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", s.modelPath.toString());
            j.put("out", out.toString());
            j.put("type", type.toLowerCase());
            j.put("super_weights", sws.stream().map(SuperWeight::coordinates).toList());
            j.put("tensor_types", types);
            j.put("tensors", r.tensors().stream().map(t -> Map.of("name", t.name(), "type", t.type())).toList());
            j.put("bytes", r.bytes());
            j.put("files", r.files().stream().map(Path::toString).toList());
            j.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
            if (json) {
                Cli.printJson(o, j);
            } else {
                o.printf("wrote %s (%s; tensors %s; %.1f MB)%n", out, type.toLowerCase(), types, r.bytes() / 1e6);
                if (!sws.isEmpty()) o.printf("super weights kept at %s: %s%n", highType, AnalysisSession.coordinates(sws));
                o.flush();
            }
            return 0;
        }
    }
}
