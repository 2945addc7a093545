package superweight.export;

import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.model.Model;
import superweight.model.format.Checkpoint;
import superweight.model.format.GgufCheckpoint;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;
import superweight.model.format.SafetensorsCheckpoint;
import superweight.model.format.SafetensorsWriter;
import superweight.io.AtomicOutput;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.StoredTensor;
import superweight.model.tensor.Tensor;
import superweight.quant.GgmlQuantizer;
import superweight.tokenizer.Tokenizers;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a (possibly derived or quantized) {@link Model} as files other tools load: a GGUF in llama.cpp's layout
 * with one storage type per tensor, or a Hugging Face safetensors directory of the dequantized weights. Weights
 * are read row by row from the model's tensors (so a derived model's edits and fake-quantized values are what is
 * written) and streamed to disk; the target appears only when complete.
 */
public final class ModelExport {
    /**
     * What a GGUF stores: {@code type} for every matrix (embeddings, projections, output head), vectors (norms,
     * biases) always F32; the down-projections holding {@code superWeights}, and the {@code keepHigh} matrices
     * whose {@code type} quantization loses most (relative squared error ‖W − Q(W)‖² / ‖W‖²), in {@code highType}.
     * A matrix whose rows do not divide into the type's blocks falls back to Q8_0, else F16 (as llama.cpp does).
     */
    public record GgufPlan(int type, int highType, List<SuperWeight> superWeights, int keepHigh) {
        public GgufPlan {
            superWeights = List.copyOf(superWeights);
            for (int t : new int[]{type, highType}) {
                if (t != GgmlType.F32 && t != GgmlType.F16 && t != GgmlType.BF16 && !GgmlQuantizer.writable(t)) {
                    throw new SuperweightException("--type: cannot write " + GgmlType.name(t));
                }
            }
            if (keepHigh < 0) throw new SuperweightException("--keep-high: must be >= 0");
        }

        public static GgufPlan uniform(int type) {
            return new GgufPlan(type, type, List.of(), 0);
        }

        /** Canonical description, recorded in the file's metadata. */
        public String describe() {
            StringBuilder b = new StringBuilder("gguf{type=").append(GgmlType.name(type));
            if (highType != type || !superWeights.isEmpty() || keepHigh > 0) {
                b.append(",high=").append(GgmlType.name(highType)).append(",keep-high=").append(keepHigh).append(",super-weights=[");
                for (int i = 0; i < superWeights.size(); i++) {
                    SuperWeight s = superWeights.get(i);
                    b.append(i > 0 ? "," : "").append(s.layer()).append(':').append(s.row()).append(':').append(s.col());
                }
                b.append(']');
            }
            return b.append('}').toString();
        }
    }

    /** One written tensor: its name, storage type and shape (ggml order). */
    public record WrittenTensor(String name, String type, long[] dims) {
    }

    public record Result(List<Path> files, List<WrittenTensor> tensors, long bytes) {
    }

    /**
     * Everything {@link #write} needs: storage type names (f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q5_k, q6_k; a
     * Hugging Face target takes only f32/f16/bf16), the type of the protected tensors, the super weights whose
     * tensors it protects, how many of the most sensitive other tensors it also protects, and the shard limit of
     * a Hugging Face directory.
     */
    public record Options(String type, String highType, List<SuperWeight> superWeights, int keepHigh, long maxShardBytes) {
        public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

        public Options {
            superWeights = List.copyOf(superWeights);
        }

        public static Options of(String type) {
            return new Options(type, "q8_0", List.of(), 0, DEFAULT_SHARD_BYTES);
        }
    }

    private ModelExport() {
    }

    /**
     * The single entry point: {@code out} ending in .gguf gets a GGUF, ending in .safetensors one safetensors file
     * (config.json and tokenizer files beside it), anything else a Hugging Face directory.
     */
    public static Result write(Model model, Path out, Options o) {
        String name = out.getFileName().toString();
        if (name.endsWith(".gguf")) {
            return toGguf(model, out, new GgufPlan(ggmlType(o.type(), "--type"), ggmlType(o.highType(), "--high-type"),
                    o.superWeights(), o.keepHigh()));
        }
        if (!o.superWeights().isEmpty() || o.keepHigh() > 0) {
            throw new SuperweightException("--super-weights/--keep-high: only a GGUF target (--out x.gguf) stores mixed types");
        }
        return toHuggingFace(model, out, o.type().toUpperCase(), o.maxShardBytes());
    }

    /** A ggml type from its lower-case name, or a one-line error naming {@code option}. */
    public static int ggmlType(String name, String option) {
        return switch (name.toLowerCase()) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            case "q8_0" -> GgmlType.Q8_0;
            case "q4_0" -> GgmlType.Q4_0;
            case "q4_1" -> GgmlType.Q4_1;
            case "q4_k" -> GgmlType.Q4_K;
            case "q5_k" -> GgmlType.Q5_K;
            case "q6_k" -> GgmlType.Q6_K;
            default -> throw new SuperweightException(option + ": unknown type '" + name + "' (f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q5_k, q6_k)");
        };
    }

    /** Writes {@code model} as one GGUF file. */
    public static Result toGguf(Model model, Path out, GgufPlan plan) {
        List<GgufExport.Entry> entries = GgufExport.entries(model);
        Set<String> high = highPrecisionTensors(entries, plan);
        GgufWriter w = new GgufWriter();
        GgufExport.architectureMetadata(w, model);
        w.put("general.file_type", GgufExport.fileType(plan.type()));
        w.put("general.quantization_version", 2);
        tokenizerMetadata(model).forEach(w::put);
        w.put("superweight.export", plan.describe());
        if (!model.derivation().isEmpty()) w.put("superweight.derivation", model.derivation().toArray(String[]::new));
        if (!plan.superWeights().isEmpty()) {
            w.put("superweight.super_weights", plan.superWeights().stream()
                    .map(s -> s.layer() + ":" + s.row() + ":" + s.col()).toArray(String[]::new));
        }
        List<WrittenTensor> written = new ArrayList<>();
        for (GgufExport.Entry e : entries) {
            int type = e.matrix() ? fit(high.contains(e.name()) ? plan.highType() : plan.type(), e.rows().cols()) : GgmlType.F32;
            long[] dims = e.rows().rows() == 1 && !e.matrix() ? new long[]{e.rows().cols()} : new long[]{e.rows().cols(), e.rows().rows()};
            w.tensor(e.name(), dims, type, TensorEncoder.ggml(e.rows(), type));
            written.add(new WrittenTensor(e.name(), GgmlType.name(type), dims));
        }
        w.write(out);
        return new Result(List.of(out), written, size(out));
    }

    /** Tokenizer files copied beside exported Hugging Face weights when the source checkpoint has them. */
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "tokenizer.model",
            "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt");

    /**
     * Writes {@code model} as a Hugging Face directory: safetensors in {@code dtype} (F32, F16 or BF16; sharded
     * above {@code maxShardBytes}, with model.safetensors.index.json), config.json, and the tokenizer files of a
     * Hugging Face source. Derived weights are written as the model computes with them (dequantized).
     */
    public static Result toHuggingFace(Model model, Path dir, String dtype, long maxShardBytes) {
        if (!List.of("F32", "F16", "BF16").contains(dtype)) throw new SuperweightException("--type: safetensors holds f32, f16 or bf16, not " + dtype.toLowerCase());
        boolean singleFile = dir.getFileName().toString().endsWith(".safetensors");
        Path folder = singleFile ? dir.toAbsolutePath().getParent() : dir;
        SafetensorsWriter w = new SafetensorsWriter();
        if (!model.derivation().isEmpty()) w.metadata("superweight.derivation", String.join(" ; ", model.derivation()));
        List<WrittenTensor> written = new ArrayList<>();
        for (HfExport.Entry e : HfExport.entries(model)) {
            long[] shape = e.matrix() ? new long[]{e.rows().rows(), e.rows().cols()} : new long[]{e.rows().cols()};
            w.tensor(e.name(), dtype, shape, TensorEncoder.floats(e.rows(), dtype));
            written.add(new WrittenTensor(e.name(), dtype, shape));
        }
        List<Path> files = new ArrayList<>();
        if (singleFile) {
            w.writeFile(dir);
            files.add(dir);
        } else {
            files.addAll(w.writeDirectory(dir, maxShardBytes));
        }
        if (model.checkpoint() instanceof SafetensorsCheckpoint s && !s.directory().toAbsolutePath().normalize().equals(folder.toAbsolutePath().normalize())) {
            for (String name : TOKENIZER_FILES) {
                if (SafetensorsWriter.copyIfPresent(s.directory(), folder, name)) files.add(folder.resolve(name));
            }
        }
        files.add(AtomicOutput.writeString(folder.resolve("config.json"), HfExport.config(model, dtype).toPrettyString()));
        long bytes = 0;
        for (Path f : files) bytes += size(f);
        return new Result(files, written, bytes);
    }

    /** The type actually used for a matrix with rows of {@code cols}: the wanted one if its blocks fit. */
    static int fit(int type, int cols) {
        if (cols % GgmlType.blockSize(type) == 0) return type;
        if (cols % 32 == 0 && GgmlType.blockSize(type) > 32) return GgmlType.Q8_0;
        return type == GgmlType.BF16 || type == GgmlType.F32 ? type : GgmlType.F16;
    }

    private static Set<String> highPrecisionTensors(List<GgufExport.Entry> entries, GgufPlan plan) {
        Set<String> high = new HashSet<>();
        for (SuperWeight s : plan.superWeights()) high.add("blk." + s.layer() + ".ffn_down.weight");
        if (plan.keepHigh() > 0) {
            Map<String, Double> error = new LinkedHashMap<>();
            for (GgufExport.Entry e : entries) {
                if (e.matrix() && !high.contains(e.name())) error.put(e.name(), relativeError(e.rows(), fit(plan.type(), e.rows().cols())));
            }
            error.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                    .limit(plan.keepHigh()).forEach(x -> high.add(x.getKey()));
        }
        return high;
    }

    /** ‖W − Q(W)‖² / ‖W‖² of quantizing every row to {@code type} (0 for float types). */
    static double relativeError(RowSource src, int type) {
        if (!GgmlQuantizer.writable(type)) return 0;
        int cols = src.cols();
        float[] row = new float[cols], back = new float[cols];
        byte[] q = new byte[TensorEncoder.rowBytes(type, cols)];
        Tensor decoder = StoredTensor.of(type, "row", 1, cols, MemorySegment.ofArray(q));
        double err = 0, norm = 0;
        for (long r = 0; r < src.rows(); r++) {
            src.reader().read(r, row, 0);
            GgmlQuantizer.quantize(type, row, 0, cols, q, 0);
            decoder.readRow(0, back, 0);
            for (int i = 0; i < cols; i++) {
                double d = row[i] - back[i];
                err += d * d;
                norm += (double) row[i] * row[i];
            }
        }
        return norm == 0 ? 0 : err / norm;
    }

    /**
     * The tokenizer of the model's checkpoint as GGUF metadata: copied key by key from a GGUF source, built from
     * tokenizer.json beside a Hugging Face checkpoint or copied from the GGUF vocabulary in its folder (where the
     * tokenizer is taken from when there is no tokenizer.json), "no_vocab" otherwise (a synthetic model); bos/eos
     * ids from the model's configuration where the tokenizer does not name them.
     */
    static Map<String, Object> tokenizerMetadata(Model model) {
        Checkpoint ck = model.checkpoint();
        Map<String, Object> meta = new LinkedHashMap<>();
        if (ck instanceof GgufCheckpoint g) {
            copyTokenizerKeys(g.gguf(), meta);
        } else if (ck instanceof SafetensorsCheckpoint s && Files.isRegularFile(s.directory().resolve("tokenizer.json"))) {
            meta.putAll(GgufVocabulary.fromTokenizerJson(s.directory()));
        } else if (ck instanceof SafetensorsCheckpoint s) {
            Tokenizers.ggufVocabularyIn(s.directory()).ifPresent(vocabulary -> {
                try (GgufFile v = GgufFile.open(vocabulary)) {
                    copyTokenizerKeys(v, meta);
                }
            });
        }
        // llama.cpp refuses a file with tokenizer keys but no model; "no_vocab" is its name for a weights-only file
        meta.putIfAbsent("tokenizer.ggml.model", "no_vocab");
        meta.putIfAbsent("tokenizer.ggml.bos_token_id", model.config().bosId());
        meta.putIfAbsent("tokenizer.ggml.eos_token_id", model.config().eosId());
        return meta;
    }

    private static void copyTokenizerKeys(GgufFile gguf, Map<String, Object> meta) {
        gguf.metadata().forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) meta.put(k, asWritten(v));
        });
    }

    /**
     * A value as read by GgufFile (integers widened to Long, floats to Double) in the type llama.cpp's converter
     * writes for tokenizer keys, which its loader checks strictly: ids uint32, token types int32, scores float32.
     */
    private static Object asWritten(Object v) {
        return switch (v) {
            case Long l -> l.intValue();
            case Double d -> d.floatValue();
            case long[] a -> {
                int[] r = new int[a.length];
                for (int i = 0; i < a.length; i++) r[i] = (int) a[i];
                yield r;
            }
            case double[] a -> {
                float[] r = new float[a.length];
                for (int i = 0; i < a.length; i++) r[i] = (float) a[i];
                yield r;
            }
            default -> v;
        };
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new SuperweightException(p + ": cannot read size (" + e.getMessage() + ")", e);
        }
    }
}
