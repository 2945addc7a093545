package superweight.jobs;

import superweight.engine.NumericalFault;
import superweight.model.tensor.Parallel;

import java.util.List;

/**
 * Units one after the other in this JVM on the model the driver opened, each item committed as it finishes: the
 * code path of a single machine, no new dependency. A one-line error (missing data, bad option) stops the grid as
 * it always did; a unit whose forward pass is not finite is left to the command's own pass, which reports it.
 */
public final class LocalExecutor implements Executor {
    public static final String NAME = "local";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void execute(List<WorkUnit> units, Driver driver) {
        UnitRunner.Opened m = driver.model();
        // the engine's small models leave cores idle per item: score several at once, as eval does
        UnitRunner runner = new UnitRunner(m.model().config().hiddenSize() <= 1024 ? Parallel.threads() : 1);
        for (WorkUnit u : units) {
            driver.started(u);
            try {
                UnitResult r = runner.run(u, m, driver::stored, (key, item) -> driver.commit(u, key, item), "local");
                driver.finished(u, r);
            } catch (NumericalFault e) {
                driver.failed(u, e);
            }
        }
    }
}
