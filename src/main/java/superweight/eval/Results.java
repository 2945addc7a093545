package superweight.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of one evaluation run, serialisable in lm-evaluation-harness's results JSON shape ("results",
 * "versions", "n-shot", "higher_is_better", "n-samples", "config") plus an "average" block: the unweighted mean of
 * acc over the tasks, as the super-weight and quantization papers report their zero-shot average.
 */
public record Results(String model, String fingerprint, String condition, List<TaskResult> tasks, Map<String, Object> config) {
    public Results {
        tasks = List.copyOf(tasks);
        config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }

    public TaskResult task(String name) {
        return tasks.stream().filter(t -> t.task().equals(name)).findFirst().orElse(null);
    }

    /** The unweighted mean of {@code metric} over the tasks that report it (NaN when none does). */
    public double average(String metric) {
        double s = 0;
        int n = 0;
        for (TaskResult t : tasks) {
            Double v = t.metric(metric);
            if (v != null) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    public ObjectNode toJson() {
        ObjectNode root = Documents.JSON.createObjectNode();
        ObjectNode results = root.putObject("results");
        ObjectNode versions = Documents.JSON.createObjectNode(), nshot = Documents.JSON.createObjectNode();
        ObjectNode hib = Documents.JSON.createObjectNode(), samples = Documents.JSON.createObjectNode();
        for (TaskResult t : tasks) {
            ObjectNode r = results.putObject(t.task());
            r.put("alias", t.task());
            t.metrics().forEach((k, v) -> {
                if (Double.isNaN(v)) r.put(k, "N/A");
                else r.put(k, v);
            });
            versions.put(t.task(), t.version());
            nshot.put(t.task(), 0);
            ObjectNode h = hib.putObject(t.task());
            t.higherIsBetter().forEach(h::put);
            ObjectNode s = samples.putObject(t.task());
            s.put("original", t.originalSamples());
            s.put("effective", t.samples());
        }
        ObjectNode avg = root.putObject("average");
        avg.putPOJO("tasks", tasks.stream().map(TaskResult::task).toList());
        double acc = average("acc");
        if (Double.isNaN(acc)) avg.put("acc,none", "N/A");
        else avg.put("acc,none", acc);
        root.set("versions", versions);
        root.set("n-shot", nshot);
        root.set("higher_is_better", hib);
        root.set("n-samples", samples);
        ObjectNode cfg = root.putObject("config");
        cfg.put("model", model);
        cfg.put("model_fingerprint", fingerprint);
        cfg.put("condition", condition);
        config.forEach(cfg::putPOJO);
        return root;
    }
}
