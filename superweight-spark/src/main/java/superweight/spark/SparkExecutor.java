package superweight.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import superweight.jobs.Driver;
import superweight.jobs.Executor;
import superweight.jobs.UnitResult;
import superweight.jobs.UnitRunner;
import superweight.jobs.WorkUnit;
import superweight.model.tensor.Parallel;

import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Units as Spark tasks: one single-task job per unit, all submitted at once, so Spark's scheduler fills every task
 * slot and retries a failed or lost task (spark.task.maxFailures; local masters retry only as local[N,F]). Each
 * result is committed by the driver as soon as its job finishes, so a killed driver loses only running units.
 * The master is --master, else spark.master (spark-submit sets it), else local[*].
 */
public final class SparkExecutor implements Executor {
    private static final long POLL_MILLIS = 20;

    @Override
    public String name() {
        return "spark";
    }

    @Override
    public void execute(List<WorkUnit> units, Driver driver) {
        if (units.isEmpty()) return;
        int driverThreads = Parallel.threads();
        try (JavaSparkContext sc = new JavaSparkContext(conf(driver.master()))) {
            sc.setLogLevel("WARN");
            Map<WorkUnit, JavaFutureAction<List<UnitResult>>> jobs = new LinkedHashMap<>();
            for (WorkUnit u : units) jobs.put(u, sc.parallelize(List.of(u), 1).map(SparkExecutor::runTask).collectAsync());
            Set<Integer> started = new HashSet<>();
            while (!jobs.isEmpty()) {
                for (Iterator<Map.Entry<WorkUnit, JavaFutureAction<List<UnitResult>>>> it = jobs.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    if (!e.getValue().isDone()) {
                        if (!started.contains(e.getKey().id()) && running(sc, e.getValue())) {
                            started.add(e.getKey().id());
                            driver.started(e.getKey());
                        }
                        continue;
                    }
                    it.remove();
                    // a short task may start and end between two looks
                    if (started.add(e.getKey().id())) driver.started(e.getKey());
                    collect(e.getKey(), e.getValue(), driver);
                }
                sleep();
            }
        } finally {
            // local masters run the tasks in this JVM: give the command's own pass its threads back
            Parallel.useThreads(driverThreads);
        }
    }

    static SparkConf conf(String master) {
        SparkConf conf = new SparkConf().setAppName("superweight grid");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        if (conf.get("spark.master").startsWith("local")) {
            // everything on this machine: bind to the loopback interface, no web UI
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        return conf;
    }

    /** Whether the unit's task has started: its job's stage has an active or finished task. */
    private static boolean running(JavaSparkContext sc, JavaFutureAction<?> job) {
        for (int id : job.jobIds()) {
            SparkJobInfo info = sc.statusTracker().getJobInfo(id);
            if (info == null) continue;
            for (int stage : info.stageIds()) {
                SparkStageInfo s = sc.statusTracker().getStageInfo(stage);
                if (s != null && s.numActiveTasks() + s.numCompletedTasks() > 0) return true;
            }
        }
        return false;
    }

    private static void collect(WorkUnit u, JavaFutureAction<List<UnitResult>> job, Driver driver) {
        try {
            driver.finished(u, job.get().getFirst());
        } catch (ExecutionException e) {
            driver.failed(u, e.getCause() != null ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark", e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark", e);
        }
    }

    /** On an executor: the unit with this JVM's model and runner, kernel threads sized to the task's cores. */
    static UnitResult runTask(WorkUnit u) {
        TaskContext tc = TaskContext.get();
        if (tc == null) throw new IllegalStateException("unit " + u.describe() + " must run as a Spark task");
        UnitRunner.Opened m = ExecutorModels.open(u.modelPath());
        UnitRunner runner = ExecutorModels.runner(tc.cpus(), m.model().config().hiddenSize());
        String ranOn = "spark task: executor " + SparkEnv.get().executorId() + ", jvm " + ProcessHandle.current().pid() + ", stage "
                + tc.stageId() + ", partition " + tc.partitionId() + ", attempt " + tc.attemptNumber() + ", cpus " + tc.cpus()
                + ", thread " + Thread.currentThread().getName() + ", models opened in this jvm " + ExecutorModels.opens();
        return runner.run(u, m, key -> Set.of(), null, ranOn);
    }
}
