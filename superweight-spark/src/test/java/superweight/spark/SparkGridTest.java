package superweight.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.eval.ModelFingerprint;
import superweight.jobs.Derivation;
import superweight.jobs.Driver;
import superweight.jobs.EvalSettings;
import superweight.jobs.Grid;
import superweight.jobs.Scored;
import superweight.jobs.StoreKey;
import superweight.jobs.UnitResult;
import superweight.jobs.UnitRunner;
import superweight.jobs.WorkUnit;
import superweight.analysis.Condition;
import superweight.analysis.SuperWeight;
import superweight.eval.BosConvention;
import superweight.model.Model;
import superweight.model.ModelLoader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The grid on the planted fixture (original / prune-sw / two scale factors / two quantization schemes x two
 * tasks, a few items each): locally and with --executor spark --master local[2], the printed tables and the stored
 * results are identical, and the units really ran as Spark tasks on an executor that opened the model once.
 */
class SparkGridTest {
    static final Path SHARED = Path.of(System.getProperty("superweight.shared", "../../shared")).toAbsolutePath().normalize();
    static final String PLANTED = SHARED.resolve("fixtures/planted").toString();
    static final String DATA = SHARED.resolve("data").toString();
    static final ObjectMapper JSON = new ObjectMapper();

    static List<String> ablate(Path store, Path out) {
        return List.of("ablate", "--model", PLANTED, "--super-weights", "1:27:121", "--condition", "original,prune-sw,scale:0.5,scale:2",
                "--tasks", "arc_easy,piqa", "--limit", "3", "--unit-items", "2", "--ppl", "wikitext2", "--ctx", "32", "--ppl-limit", "4",
                "--unit-windows", "2", "--data-dir", DATA, "--store", store.toString(), "--out", out.toString());
    }

    static List<String> quantSweep(Path store, Path out) {
        return List.of("quant-sweep", "--model", PLANTED, "--super-weights", "1:27:121", "--blocks", "1024", "--methods", "rtn,clip+restore",
                "--tasks", "arc_easy,piqa", "--limit", "3", "--unit-items", "2", "--data-dir", DATA, "--store", store.toString(), "--out", out.toString());
    }

    @Test
    void sparkAndLocalPrintAndStoreTheSame(@TempDir Path dir) throws Exception {
        Path local = dir.resolve("local.duckdb"), spark = dir.resolve("spark.duckdb"), out = dir.resolve("out");
        String ablateLocal = CommandRun.of(ablate(local, out)).out();
        JsonNode rowsLocal = JSON.readTree(out.resolve("ablate.json").toFile()).get("conditions");
        String sweepLocal = CommandRun.of(quantSweep(local, out)).out();
        String ablateSpark = CommandRun.of(ablate(spark, out), "--executor", "spark", "--master", "local[2]").out();
        JsonNode rowsSpark = JSON.readTree(out.resolve("ablate.json").toFile()).get("conditions");
        String sweepSpark = CommandRun.of(quantSweep(spark, out), "--executor", "spark", "--master", "local[2]").out();
        assertThat(ablateSpark).isEqualTo(ablateLocal).contains("prune-sw", "scale:2", "ppl:wikitext2");
        assertThat(sweepSpark).isEqualTo(sweepLocal).contains("int4 B=1024 z:9.0 +sw");
        // the perplexities combined from windows scored in Spark tasks equal the single pass to the last bit (JSON keeps every digit)
        assertThat(rowsSpark).isEqualTo(rowsLocal);
        assertThat(rowsSpark.get(1).get("metrics").get("ppl:wikitext2").asDouble()).isFinite().isGreaterThan(1);
        Map<String, String> stored = Stores.items(spark);
        // 6 conditions x 2 tasks x 3 items, every one from a Spark task
        assertThat(stored).hasSize(36).isEqualTo(Stores.items(local));
        // 4 ablation conditions x 4 windows of 32 tokens
        assertThat(Stores.windows(spark)).hasSize(16).isEqualTo(Stores.windows(local));
        assertThat(Stores.unitCount(spark)).isEqualTo(6 * 2 * 2 + 4 * 2);
    }

    @Test
    void unitsRunAsSparkTasksOnAnExecutorThatOpensTheModelOnce() {
        Model model = ModelLoader.load(Path.of(PLANTED));
        List<SuperWeight> sw = List.of(new SuperWeight(1, 27, 121, 3.0f));
        List<Derivation> ds = Derivation.Ablated.of(List.of(new Condition.Original(), new Condition.Scale(0.5f)), sw);
        Grid grid = Grid.of(Path.of(PLANTED).toAbsolutePath().toString(), ModelFingerprint.of(model), ds, List.of("arc_easy"), List.of(),
                new EvalSettings(DATA, 4, null, BosConvention.LM_EVAL_0_4_3.label(), 0), 1, 1);
        List<WorkUnit> units = grid.units(Map.of("arc_easy", 4));
        Recorder driver = new Recorder();
        new SparkExecutor().execute(units, driver);
        model.checkpoint().close();
        assertThat(driver.results).hasSize(8);
        for (UnitResult r : driver.results) {
            assertThat(r.ranOn()).startsWith("spark task: executor driver").contains("cpus 1").doesNotContain("thread " + Thread.currentThread().getName() + ",");
            assertThat(r.items()).hasSize(1);
        }
        // one executor JVM (local[2] runs it in this one), one open of the checkpoint for all tasks of all tests
        assertThat(ExecutorModels.opens()).isEqualTo(1);
        assertThat(driver.started).hasSize(8);
    }

    /** A driver that records what the executor reports. */
    static final class Recorder implements Driver {
        final List<UnitResult> results = Collections.synchronizedList(new ArrayList<>());
        final Set<Integer> started = Collections.synchronizedSet(new java.util.HashSet<>());

        @Override
        public String master() {
            return "local[2]";
        }

        @Override
        public UnitRunner.Opened model() {
            throw new AssertionError("a Spark executor must not use the driver's model");
        }

        @Override
        public Set<Integer> stored(StoreKey key) {
            throw new AssertionError("a Spark executor cannot read the driver's store");
        }

        @Override
        public void started(WorkUnit u) {
            started.add(u.id());
        }

        @Override
        public void commit(WorkUnit u, StoreKey key, Scored item) {
            throw new AssertionError("a Spark executor returns its items with the result");
        }

        @Override
        public void finished(WorkUnit u, UnitResult r) {
            results.add(r);
        }

        @Override
        public void failed(WorkUnit u, Throwable t) {
            throw new AssertionError(u.describe() + " failed", t);
        }
    }
}
