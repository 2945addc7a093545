package superweight.jobs;

import superweight.eval.BosConvention;
import superweight.eval.EvalOptions;
import superweight.eval.Progress;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * The evaluation options a unit needs, as plain data that travels to executors ({@link EvalOptions} holds a progress
 * display and the store, which stay on the driver).
 *
 * @param dataDir     the data directory (null = the default)
 * @param limit       the first N documents of each task (0 = all)
 * @param addBos      prepend BOS (null = the convention's default)
 * @param bos         the lm-eval BOS convention's label
 * @param maxLength   lm-eval's max_length (0 = the declared context)
 */
public record EvalSettings(String dataDir, int limit, Boolean addBos, String bos, int maxLength) implements Serializable {
    public static EvalSettings of(EvalOptions o) {
        return new EvalSettings(o.dataDir() == null ? null : o.dataDir().toString(), o.limit(), o.addBos(), o.bos().label(), o.maxLength());
    }

    /** The options a unit scores with: no store (the driver commits), no progress display. */
    public EvalOptions options(int concurrency) {
        return new EvalOptions(dataDir == null ? null : Path.of(dataDir), limit, addBos, null, concurrency, Progress.NONE,
                BosConvention.parse(bos), maxLength, null);
    }
}
