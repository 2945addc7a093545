package superweight.jobs;

import superweight.SuperweightException;

import java.util.List;
import java.util.ServiceLoader;

/**
 * Where a grid's units run: {@link LocalExecutor} in this JVM (the default), others plugged in through
 * {@link ServiceLoader} (META-INF/services/superweight.jobs.Executor), such as the Spark executor of the
 * superweight-spark module, so the core carries no cluster dependency.
 */
public interface Executor {
    /** The name --executor selects it by. */
    String name();

    /** Runs every unit, reporting each start, scored item or result and failure to the driver. */
    void execute(List<WorkUnit> units, Driver driver);

    /** The executor called {@code name}: local, or one found on the class path. */
    static Executor named(String name) {
        if (name.equals(LocalExecutor.NAME)) return new LocalExecutor();
        for (Executor e : ServiceLoader.load(Executor.class)) if (e.name().equals(name)) return e;
        if (name.equals("spark")) {
            throw new SuperweightException("--executor spark: the Spark executor is not on the class path; build the superweight-spark "
                    + "module (mvn -f superweight-spark/reactor.xml package -DskipTests) and run bin/superweight-spark or spark-submit (docs/distributed.md)");
        }
        throw new SuperweightException("--executor " + name + ": unknown executor (expected local or spark)");
    }
}
