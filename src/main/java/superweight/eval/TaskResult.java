package superweight.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregated metrics of one task, keyed as lm-eval's results JSON keys them ("acc,none", "acc_stderr,none", ...);
 * a NaN stderr (fewer than two items) is written as "N/A" as lm-eval does.
 */
public record TaskResult(String task, double version, Map<String, Double> metrics, Map<String, Boolean> higherIsBetter,
                         int samples, int originalSamples) {
    public TaskResult {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        higherIsBetter = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(higherIsBetter));
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
                default -> throw new IllegalStateException("unknown metric " + metric);
            }
        }
        return new TaskResult(spec.name(), spec.version(), m, hib, n, originalSamples);
    }
}
