package superweight.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregated metrics of one task, keyed as lm-eval's results JSON keys them ("acc,none", "acc_stderr,none", ...);
 * a NaN stderr (fewer than two items) is written as "N/A" as lm-eval does.
 */
public record TaskResult(String task, double version, Map<String, Double> metrics, Map<String, Boolean> higherIsBetter,
                         int samples, int originalSamples, List<SampleLog.Sample> sampleLog) {
    public TaskResult {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        higherIsBetter = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(higherIsBetter));
        sampleLog = List.copyOf(sampleLog);
    }

    /** The same result with every scored document kept for {@link SampleLog} (lm-eval's --log_samples). */
    TaskResult withSamples(List<SampleLog.Sample> log) {
        return new TaskResult(task, version, metrics, higherIsBetter, samples, originalSamples, log);
    }

    /** The value of a metric such as "acc" (null when the task does not report it). */
    public Double metric(String name) {
        return metrics.get(name + ",none");
    }

    /** Computes the task's metrics from the stored per-item scores (items and scores in the same order). */
    public static TaskResult aggregate(TaskSpec spec, List<TaskItem> items, List<List<ChoiceScore>> scores, int originalSamples) {
        int n = items.size();
        Map<String, Double> m = new LinkedHashMap<>();
        Map<String, Boolean> hib = new LinkedHashMap<>();
        for (String metric : spec.metrics()) {
            double[] per = new double[n];
            switch (metric) {
                case "acc" -> {
                    for (int i = 0; i < n; i++) {
                        per[i] = spec.kind() == TaskSpec.Kind.LOGLIKELIHOOD
                                ? (scores.get(i).getFirst().greedy() ? 1 : 0)
                                : Metrics.acc(scores.get(i), items.get(i).gold());
                    }
                    m.put("acc,none", Metrics.mean(per));
                    m.put("acc_stderr,none", Metrics.meanStderr(per));
                    hib.put("acc", true);
                }
                case "acc_norm" -> {
                    for (int i = 0; i < n; i++) per[i] = Metrics.accNorm(scores.get(i), items.get(i).choices(), items.get(i).gold());
                    m.put("acc_norm,none", Metrics.mean(per));
                    m.put("acc_norm_stderr,none", Metrics.meanStderr(per));
                    hib.put("acc_norm", true);
                }
                case "perplexity" -> {
                    for (int i = 0; i < n; i++) per[i] = scores.get(i).getFirst().logLikelihood();
                    m.put("perplexity,none", Metrics.perplexity(per));
                    m.put("perplexity_stderr,none", Metrics.perplexityStderr(per, Metrics.BOOTSTRAP_ITERS, 1234));
                    hib.put("perplexity", false);
                }
                case "word_perplexity", "byte_perplexity", "bits_per_byte" -> {
                    m.put(metric + ",none", rollingMetric(metric, items, scores));
                    m.put(metric + "_stderr,none", Double.NaN);   // lm-eval has no stderr for these: "N/A"
                    hib.put(metric, false);
                }
                default -> throw new IllegalStateException("unknown metric " + metric);
            }
        }
        return new TaskResult(spec.name(), spec.version(), m, hib, n, originalSamples, List.of());
    }

    /**
     * lm-eval's weighted_perplexity = exp(-sum(ll) / sum(weight)) with words (word_perplexity) or UTF-8 bytes
     * (byte_perplexity) of each original document as weights, and bits_per_byte = -sum(ll) / sum(bytes) / ln 2.
     */
    static double rollingMetric(String metric, List<TaskItem> items, List<List<ChoiceScore>> scores) {
        double ll = 0, weight = 0;
        for (int i = 0; i < items.size(); i++) {
            String doc = items.get(i).choices().getFirst();
            ll += scores.get(i).getFirst().logLikelihood();
            weight += metric.equals("word_perplexity") ? Wikitext.words(doc) : Wikitext.bytes(doc);
        }
        return metric.equals("bits_per_byte") ? -ll / weight / Math.log(2) : Math.exp(-ll / weight);
    }
}
