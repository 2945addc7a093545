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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure open time, resident memory, prefill and decode speed (llama-bench style pp/tg).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;
    @Option(names = "--prompt-tokens", defaultValue = "512", description = "Prefill length (pp), default ${DEFAULT-VALUE}.") int promptTokens;
    @Option(names = "--gen-tokens", defaultValue = "64", description = "Decode length (tg), default ${DEFAULT-VALUE}.") int genTokens;
    @Option(names = "--repetitions", defaultValue = "3", description = "Runs of each measurement; the median is reported (default ${DEFAULT-VALUE}).") int repetitions;
    @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured rounds first, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--json", description = "Print one JSON object.") boolean json;

    @Override
    public Integer call() {
        if (promptTokens < 1 || genTokens < 1 || repetitions < 1) throw new SuperweightException("--prompt-tokens, --gen-tokens and --repetitions must be positive");
        long rssBefore = rssKb();
        long t0 = System.nanoTime();
        Model m = model.load();
        try {
            double openMs = (System.nanoTime() - t0) / 1e6;
            long rssOpen = rssKb();
            long heapOpen = usedHeapKb();
            Transformer t = new Transformer(m);
            SplittableRandom rnd = new SplittableRandom(42);
            int vocab = m.config().vocabSize();
            int[] prompt = rnd.ints(promptTokens, 0, vocab).toArray();
            double[] pp = new double[repetitions], tg = new double[repetitions];
            for (int r = -Math.max(0, warmup); r < repetitions; r++) {
                InferenceState st = t.newState(promptTokens);
                long a = System.nanoTime();
                t.forward(st, prompt, Taps.NONE, Interventions.NONE, promptTokens - 1, (p, l, o) -> { });
                double ppRate = promptTokens / ((System.nanoTime() - a) / 1e9);
                InferenceState g = t.newState(genTokens);
                a = System.nanoTime();
                for (int i = 0; i < genTokens; i++) t.forward(g, new int[]{prompt[i]}, Taps.NONE, Interventions.NONE, 0, (p, l, o) -> { });
                double tgRate = genTokens / ((System.nanoTime() - a) / 1e9);
                if (r >= 0) {
                    pp[r] = ppRate;
                    tg[r] = tgRate;
                }
            }
            Map<String, Object> res = new LinkedHashMap<>();
            res.put("model", m.checkpoint().path().toString());
            res.put("file_bytes", m.checkpoint().dataBytes());
            res.put("parameters", m.parameterCount());
            res.put("open_ms", openMs);
            res.put("rss_kb_before_open", rssBefore);
            res.put("rss_kb_after_open", rssOpen);
            res.put("heap_kb_after_open", heapOpen);
            res.put("rss_kb_after_run", rssKb());
            res.put("threads", superweight.model.tensor.Parallel.threads());
            res.put("pp" + promptTokens + "_tokens_per_s", Arrays.stream(pp).toArray());
            res.put("tg" + genTokens + "_tokens_per_s", Arrays.stream(tg).toArray());
            res.put("pp_median", median(pp));
            res.put("tg_median", median(tg));
            var out = spec.commandLine().getOut();
            if (json) Cli.printJson(out, res);
            else {
                res.forEach((k, v) -> out.printf("%-24s %s%n", k, v instanceof double[] d ? Arrays.toString(d) : v));
                out.flush();
            }
            return 0;
        } finally {
            m.checkpoint().close();
        }
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
