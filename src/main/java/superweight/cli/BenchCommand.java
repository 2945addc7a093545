package superweight.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import superweight.SuperweightException;
import superweight.engine.InferenceState;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.MachineLimits;
import superweight.model.tensor.Parallel;
import superweight.model.tensor.Tensor;
import superweight.model.tensor.VectorMath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure open time, resident memory, prefill and decode speed (llama-bench style pp/tg), beside this "
                + "machine's limits: the FMA peak of a register-only loop and the bandwidth of a streaming read, each speed as a "
                + "fraction of its limit.",
                "With --compare llama-bench, llama.cpp's llama-bench runs on the same file, interleaved, and the ratios are printed."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    KernelsOption kernels;
    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Prefill length (pp), default ${DEFAULT-VALUE}.") int promptTokens;
    @Option(names = "--gen-tokens", defaultValue = "64", description = "Decode length (tg), default ${DEFAULT-VALUE}.") int genTokens;
    @Option(names = "--repetitions", defaultValue = "3", description = "Runs of each measurement; the median is reported (default ${DEFAULT-VALUE}).") int repetitions;
    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured rounds first, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--threads", description = "Kernel threads (default: the number of processors, or -Dsuperweight.threads).") Integer threads;
    @Option(names = "--fma-units", defaultValue = "2", description = "FMA units per core for the theoretical peak (default ${DEFAULT-VALUE}; "
            + "2 on recent x86 cores).") int fmaUnits;
    @Option(names = "--bandwidth-mib", defaultValue = "512", description = "Size of the streaming read that measures memory bandwidth "
            + "(default ${DEFAULT-VALUE}; keep it several times the last-level cache).") int bandwidthMib;
    @Option(names = "--no-limits", description = "Skip measuring the FMA peak and the memory bandwidth.") boolean noLimits;
    @Option(names = "--compare", paramLabel = "LLAMA_BENCH", description = "Also run this llama-bench binary (a path, or a name on the PATH) "
            + "on the same file with the same threads, interleaved with each repetition, and print the ratios (llama-bench keeps its "
            + "own defaults: an f16 KV cache, no flash attention).") String compare;
    @Option(names = "--json", description = "Print one JSON object.") boolean json;

    @Override
    public Integer call() {
        validate();
        if (threads != null) Parallel.useThreads(threads);
        Path llamaBench = compare == null ? null : LlamaBench.find(compare);
        long rssBefore = rssKb();
        long t0 = System.nanoTime();
        Model m = kernels.load(model);
        try {
            Map<String, Object> res = new LinkedHashMap<>();
            describe(m, res);
            res.put("open_ms", (System.nanoTime() - t0) / 1e6);
            res.put("rss_kb_before_open", rssBefore);
            res.put("rss_kb_after_open", rssKb());
            res.put("heap_kb_after_open", usedHeapKb());
            Rates rates = measure(m, llamaBench);
            res.put("rss_kb_after_run", rssKb());
            report(m, rates, llamaBench, res);
            var out = spec.commandLine().getOut();
            if (json) Cli.printJson(out, res);
            else {
                res.forEach((k, v) -> out.printf("%-28s %s%n", k, v instanceof double[] d ? Arrays.toString(d) : v));
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
    }

    private void validate() {
        if (promptTokens < 1 || genTokens < 1 || repetitions < 1) throw new SuperweightException("--prompt-tokens, --gen-tokens and --repetitions must be positive");
        if (threads != null && threads < 1) throw new SuperweightException("--threads must be positive");
        if (fmaUnits < 1) throw new SuperweightException("--fma-units must be positive");
        if (bandwidthMib < 1) throw new SuperweightException("--bandwidth-mib must be positive");
    }

    /** The machine, the run's settings and the model. */
    private void describe(Model m, Map<String, Object> res) {
        res.put("model", m.checkpoint().path().toString());
        res.put("cpu", MachineLimits.cpuModel());
        res.put("vector_bits", VectorMath.S.vectorBitSize());
        res.put("threads", Parallel.threads());
        res.put("kernels", kernels.label());
        res.put("kv_cache", kernels.cacheLabel());
        res.put("load_average_1min", MachineLimits.loadAverage()); // before the run: what else the machine is doing
        res.put("file_bytes", m.checkpoint().dataBytes());
        res.put("parameters", m.parameterCount());
    }

    /** Tokens/s of each repetition, ours and (when comparing) llama-bench's right after it. */
    private record Rates(double[] pp, double[] tg, double[] llamaPp, double[] llamaTg) {
    }

    private Rates measure(Model m, Path llamaBench) {
        Transformer t = new Transformer(m);
        int[] prompt = new SplittableRandom(42).ints(promptTokens, 0, m.config().vocabSize()).toArray();
        Rates rates = new Rates(new double[repetitions], new double[repetitions], new double[repetitions], new double[repetitions]);
        for (int r = -Math.max(0, warmup); r < repetitions; r++) {
            double[] ours = round(t, prompt);
            if (r < 0) continue;
            rates.pp[r] = ours[0];
            rates.tg[r] = ours[1];
            if (llamaBench != null) {
                double[] theirs = LlamaBench.run(llamaBench, m.checkpoint().path(), Parallel.threads(), promptTokens, genTokens);
                rates.llamaPp[r] = theirs[0];
                rates.llamaTg[r] = theirs[1];
            }
        }
        return rates;
    }

    /** The rates, their medians, the work per second they imply, the machine's limits and llama-bench's figures. */
    private void report(Model m, Rates rates, Path llamaBench, Map<String, Object> res) {
        res.put("pp" + promptTokens + "_tokens_per_s", rates.pp);
        res.put("tg" + genTokens + "_tokens_per_s", rates.tg);
        res.put("pp_median", median(rates.pp));
        res.put("tg_median", median(rates.tg));
        double ppGflops = prefillFlops(m, promptTokens) * median(rates.pp) / promptTokens / 1e9;
        double tgGBs = decodeBytes(m) * median(rates.tg) / 1e9;
        res.put("pp_gflops", ppGflops);
        res.put("tg_weight_gb_per_s", tgGBs);
        if (!noLimits) limits(res, ppGflops, tgGBs);
        if (llamaBench != null) {
            res.put("llama_bench", llamaBench.toString());
            res.put("llama_pp_tokens_per_s", rates.llamaPp);
            res.put("llama_tg_tokens_per_s", rates.llamaTg);
            res.put("pp_ratio_vs_llama", median(rates.pp) / median(rates.llamaPp));
            res.put("tg_ratio_vs_llama", median(rates.tg) / median(rates.llamaTg));
        }
    }

    /** One prefill of the prompt and one decode of genTokens tokens; tokens/s of each. */
    private double[] round(Transformer t, int[] prompt) {
        InferenceState st = t.newState(promptTokens);
        long a = System.nanoTime();
        t.forward(st, prompt, Taps.NONE, Interventions.NONE, promptTokens - 1, (p, l, o) -> { });
        double ppRate = promptTokens / ((System.nanoTime() - a) / 1e9);
        InferenceState g = t.newState(genTokens);
        a = System.nanoTime();
        // the decoded tokens cycle through the prompt: --gen-tokens may exceed --prompt-tokens
        for (int i = 0; i < genTokens; i++) t.forward(g, new int[]{prompt[i % prompt.length]}, Taps.NONE, Interventions.NONE, 0, (p, l, o) -> { });
        return new double[]{ppRate, genTokens / ((System.nanoTime() - a) / 1e9)};
    }

    /** The measured limits, the theoretical FMA peak beside the measured one, and each speed as a fraction. */
    private void limits(Map<String, Object> res, double ppGflops, double tgGBs) {
        MachineLimits.FmaPeak peak = MachineLimits.fmaPeak(fmaUnits);
        double bandwidth = MachineLimits.readBandwidthGBs((long) bandwidthMib << 20, 3);
        res.put("fma_peak_gflops", peak.measuredGflops());
        res.put("fma_peak_gflops_theoretical", peak.theoreticalGflops());
        res.put("fma_peak_theoretical_formula", String.format("%d cores x %.2f GHz x %d lanes x 2 x %d FMA units",
                Runtime.getRuntime().availableProcessors(), peak.ghz(), peak.lanes(), peak.fmaUnits()));
        // the reported clock can be the nominal one (KVM): the clock the measured peak implies is printed beside it
        res.put("fma_peak_implied_ghz", peak.impliedGhz());
        res.put("read_bandwidth_gb_per_s", bandwidth);
        res.put("pp_fraction_of_fma_peak", ppGflops / peak.measuredGflops());
        res.put("tg_fraction_of_bandwidth", tgGBs / bandwidth);
    }

    /**
     * Multiply-adds x 2 of one prefill as computed: every linear layer per position, causal attention (scores and
     * values), and after the last attention the last layer's MLP and the head for the last position only.
     */
    static double prefillFlops(Model m, int n) {
        double linear = 0, lastMlp = 0;
        for (LayerWeights w : m.layers()) {
            lastMlp = 0;
            for (Linear which : Linear.values()) {
                if (w.linear(which) == null) continue;
                linear += w.linear(which).elements();
                if (which == Linear.GATE || which == Linear.UP || which == Linear.DOWN) lastMlp += w.linear(which).elements();
            }
        }
        var c = m.config();
        double attention = (double) c.layers() * c.heads() * c.headDim() * n * (n + 1) / 2.0 * 2;
        return 2 * (linear * n - lastMlp * (n - 1) + attention) + 2.0 * m.lmHead().elements();
    }

    /** Weight bytes one decoded token streams: every linear layer and the lm head, as stored (the embedding: one row). */
    static double decodeBytes(Model m) {
        double bytes = storedBytes(m.lmHead());
        for (LayerWeights w : m.layers()) {
            for (Linear which : Linear.values()) if (w.linear(which) != null) bytes += storedBytes(w.linear(which));
        }
        return bytes;
    }

    private static double storedBytes(Tensor t) {
        for (int type = 0; type < 40; type++) {
            if (GgmlType.supported(type) && GgmlType.name(type).equals(t.dtype())) {
                return (double) t.elements() * GgmlType.blockBytes(type) / GgmlType.blockSize(type);
            }
        }
        return 4.0 * t.elements();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static long usedHeapKb() {
        Runtime rt = Runtime.getRuntime();
        rt.gc();
        return (rt.totalMemory() - rt.freeMemory()) / 1024;
    }

    /** Resident set size from /proc (Linux); -1 elsewhere. */
    private static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
