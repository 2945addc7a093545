package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.export.ModelExport;
import superweight.model.Model;
import superweight.quant.ClipRule;
import superweight.quant.SmoothQuant;
import superweight.quant.W8A8;
import superweight.quant.WeightQuantizer;
import superweight.quant.WeightScheme;
import superweight.quant.ZSearch;
import superweight.report.AnalysisJson;
import superweight.report.TextTable;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize the q/k/v/o/gate/up/down weights as the paper's code does (large-block RTN, "
                + "optional outlier clipping and super-weight restore) and evaluate the quantized model in place. "
                + "4- and 8-bit code books are held packed (codes + per-block scale and minimum); others are "
                + "fake-quantized as rows are read. docs/quant.md has the exact rules and the reference's quirks."})
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    WeightSchemeOptions scheme;

    @Mixin
    SuperWeightOptions superWeights;

    @Mixin
    EvaluationOptions evaluation;

    @Mixin
    EmbeddingAgreementOptions agreement;

    @Mixin
    ActivationSchemeOptions activations;

    @Mixin
    CalibrationOptions calibration;

    @Option(names = "--z-grid", defaultValue = "4:16:0.5", paramLabel = "FROM:TO:STEP",
            description = "Candidates of --clip z:auto (default ${DEFAULT-VALUE}).")
    String zGrid;

    @Option(names = "--z-global", description = "--clip z:auto: one z for all tensors (smallest total output error) instead of one per tensor.")
    boolean zGlobal;

    @Option(names = "--z-positions", defaultValue = "0", paramLabel = "N",
            description = "--clip z:auto: measure the output error at N evenly spaced positions of each calibration window (0 = all, the default).")
    int zPositions;

    @Option(names = "--out", paramLabel = "PATH",
            description = "Also write the quantized model: x.gguf (GGUF, llama.cpp layout), x.safetensors or a directory "
                    + "(Hugging Face checkpoint), holding the dequantized weights in --out-type; the scheme goes into its metadata.")
    Path out;

    @Option(names = "--out-type", defaultValue = "f16", paramLabel = "TYPE",
            description = "Storage type of --out: f16 (default), bf16 or f32 (exact); for GGUF also q8_0, q4_0, q4_1, q4_k, q5_k, q6_k.")
    String outType;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        WeightScheme ws = scheme.scheme();
        resetPeakHeap();
        try (AnalysisSession s = new AnalysisSession(model.spec, superWeights.modelId)) {
            if (s.model.isEncoder()) agreement.prepare(s, evaluation);
            else if (evaluation.requested()) evaluation.prepare(s, spec.commandLine().getErr());
            W8A8.Options act = activations.requested() ? activations.options() : null;
            boolean needSuperWeights = ws.restores() || (act != null && act.replaceRestore());
            AnalysisSession.SuperWeightSet set = needSuperWeights ? superWeights.resolve(s) : null;
            List<SuperWeight> sws = set == null ? List.of() : set.weights();
            long t0 = System.nanoTime();
            List<int[]> calib = act != null && act.calibrated()
                    ? calibration.windows(s.tokenizer(), evaluation.dataDir(), s.model.config().contextLength(), s.model.isEncoder()) : List.of();
            List<String> notes = new ArrayList<>();
            SmoothQuant.Result smoothed = act == null ? new SmoothQuant.Result(s.model, Map.of(), List.of())
                    : W8A8.smoothed(s.model, act, calib, notes);
            Model base = smoothed.model();
            Map<Long, float[]> divisors = smoothed.divisors();
            ZSearch.Result z = ws.clip().kind() == ClipRule.Kind.ZSCORE_AUTO ? searchZ(s, ws, sws) : null;
            WeightQuantizer.Result q = WeightQuantizer.apply(base, ws, ws.restores() ? sws : List.of(), z == null ? Map.of() : z.chosen());
            Interventions iv = act == null ? Interventions.NONE : Interventions.NONE.withLinearInputHook(
                    W8A8.activationHook(s.model, q.model(), act, sws, calib, divisors, notes));
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> r = report(s, ws, q, seconds);
            if (act != null) {
                r.put("activations", iv.linearInputHook().key());
                r.put("activation_notes", notes);
            }
            if (set != null) r.put("super_weight_source", set.source());
            if (z != null) {
                Map<String, Object> zr = new LinkedHashMap<>();
                zr.put("grid", z.grid());
                zr.put("global", z.global());
                zr.put("calibration", calibration.describe(windowsUsed));
                zr.put("positions", z.positions());
                zr.put("chosen", ZSearch.report(z));
                r.put("z_search", zr);
            }
            if (out != null) {
                ModelExport.Result written = ModelExport.write(q.model(), out, ModelExport.Options.of(outType));
                r.put("written", Map.of("files", written.files().stream().map(Object::toString).toList(), "bytes", written.bytes(),
                        "type", outType));
            }
            if (s.model.isEncoder()) r.put("metrics", agreement.evaluate("quantize " + ws.label(), q.model(), iv));
            else if (evaluation.requested()) r.put("metrics", evaluation.evaluate(s, q.model(), "quantize " + ws.label(), iv));
            r.put("peak_heap_bytes", peakHeap());
            print(r, q);
            return 0;
        }
    }

    private int windowsUsed;

    private ZSearch.Result searchZ(AnalysisSession s, WeightScheme ws, List<SuperWeight> sws) {
        String[] g = zGrid.split(":");
        if (g.length != 3) throw new SuperweightException("--z-grid '" + zGrid + "': expected FROM:TO:STEP, e.g. 4:16:0.5");
        double[] grid;
        try {
            grid = ZSearch.grid(Double.parseDouble(g[0]), Double.parseDouble(g[1]), Double.parseDouble(g[2]));
        } catch (NumberFormatException e) {
            throw new SuperweightException("--z-grid '" + zGrid + "': expected numbers FROM:TO:STEP");
        }
        if (zPositions < 0) throw new SuperweightException("--z-positions " + zPositions + ": must be at least 0");
        List<int[]> windows = calibration.windows(s.tokenizer(), evaluation.dataDir(), s.model.config().contextLength(), s.model.isEncoder());
        windowsUsed = windows.size();
        return ZSearch.run(s.model, ws, sws, windows, grid, zGlobal, zPositions);
    }

    static Map<String, Object> report(AnalysisSession s, WeightScheme ws, WeightQuantizer.Result q, double seconds) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", s.modelPath.toString());
        r.put("scheme", ws.label());
        r.put("key", q.key());
        r.put("rounding", ws.codeBook().rounding());
        r.put("tensors", q.units().size());
        r.put("whole_tensor_fallbacks", q.wholeFallbacks());
        r.put("clipped_weights", q.units().stream().mapToLong(WeightQuantizer.Unit::clipped).sum());
        r.put("restored_super_weights", AnalysisJson.superWeights(q.restored()));
        r.put("quantized_weight_bytes", q.quantizedBytes());
        r.put("bf16_weight_bytes", q.bf16Bytes());
        r.put("packed", q.units().stream().allMatch(u -> u.dtype().startsWith("RTN")));
        r.put("quantize_seconds", seconds);
        r.put("units", q.units().stream().map(u -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tensor", u.name());
            m.put("shape", List.of(u.rows(), u.cols()));
            m.put("block", u.blockLength());
            m.put("blocks", u.blocks());
            m.put("whole_tensor_fallback", u.wholeFallback());
            m.put("clipped", u.clipped());
            m.put("dtype", u.dtype());
            return m;
        }).toList());
        return r;
    }

    @SuppressWarnings("unchecked")
    private void print(Map<String, Object> r, WeightQuantizer.Result q) {
        PrintWriter o = spec.commandLine().getOut();
        if (json) {
            Cli.printJson(o, r);
            return;
        }
        o.println(r.get("model") + ": " + r.get("scheme") + " (" + r.get("rounding") + ")");
        o.println("key " + r.get("key"));
        o.printf("%d tensors, %d quantized as one whole block because the block does not divide them, %d weights clipped%n",
                q.units().size(), q.wholeFallbacks(), (Long) r.get("clipped_weights"));
        o.println("restored super weights: " + AnalysisSession.coordinates(q.restored()));
        if (r.containsKey("activations")) {
            o.println("activations: " + r.get("activations"));
            for (String n : (List<String>) r.get("activation_notes")) o.println("  " + n);
        }
        if (r.containsKey("z_search")) {
            Map<String, Object> zr = (Map<String, Object>) r.get("z_search");
            o.println("z:auto on " + zr.get("calibration") + (Boolean.TRUE.equals(zr.get("global")) ? ", one global z" : ", z per tensor"));
            TextTable t = new TextTable("tensor", "z", "output error");
            for (Map<String, Object> c : (List<Map<String, Object>>) zr.get("chosen")) t.row(c.get("tensor"), c.get("z"), TextTable.num((Double) c.get("error")));
            o.print(t);
        }
        if ((Boolean) r.get("packed")) {
            o.printf("weights: %s packed vs %s in BF16; peak heap %s%n", mib(q.quantizedBytes()), mib(q.bf16Bytes()), mib((Long) r.get("peak_heap_bytes")));
        } else {
            o.printf("weights: fake-quantized as rows are read from the checkpoint (%s of block statistics; BF16 would be %s); peak heap %s%n",
                    mib(q.quantizedBytes()), mib(q.bf16Bytes()), mib((Long) r.get("peak_heap_bytes")));
        }
        if (r.containsKey("written")) {
            Map<String, Object> w = (Map<String, Object>) r.get("written");
            o.printf("wrote %s (%s, %s)%n", String.join(", ", (List<String>) w.get("files")), w.get("type"), mib((Long) w.get("bytes")));
        }
        if (r.containsKey("metrics")) {
            TextTable t = new TextTable("metric", "value");
            ((Map<String, Double>) r.get("metrics")).forEach((k, v) -> t.row(k, TextTable.num(v)));
            o.print(t);
        }
        o.flush();
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static void resetPeakHeap() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound on the live heap at any moment). */
    static long peakHeap() {
        long n = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) n += p.getPeakUsage().getUsed();
        return n;
    }
}
