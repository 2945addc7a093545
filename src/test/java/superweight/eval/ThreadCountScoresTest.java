package superweight.eval;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.engine.Interventions;
import superweight.model.Model;
import superweight.model.tensor.Parallel;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README promises bit-identical scores at any kernel thread count: the task metrics (lambada's perplexity and
 * wikitext's rolling-window perplexities are continuous values, so any change in a sum's order shows) and every
 * perplexity window's summed NLL must be the same doubles at 1, 2 and 3 kernel threads and with 1 or 3 items scored
 * at once. Catches a kernel that splits a dot product across threads, or a harness that sums scores in the order
 * concurrent items finish.
 */
class ThreadCountScoresTest {
    static final Path DATA = Fixtures.shared().resolve("data");
    static final int THREADS = Parallel.threads();
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.shared().resolve("fixtures/planted/model-f32.gguf"));
    static final Model model = LOADED.model();

    @AfterAll
    static void close() {
        Parallel.useThreads(THREADS);
    }

    private static List<Map<String, Double>> taskMetrics(int concurrency) {
        Results r = Evaluation.run(model, new ByteTestTokenizer(true), Interventions.NONE, "baseline",
                List.of("lambada_openai", "wikitext", "piqa"), new EvalOptions(DATA, 3, null, null, concurrency, null));
        return r.tasks().stream().map(TaskResult::metrics).toList();
    }

    private static List<PerplexityResult.Window> windows() {
        var o = new Evaluation.PerplexityOptions(64, Perplexity.Style.GPTQ, 6, DATA, null, null, null);
        return Evaluation.perplexity(model, new ByteTestTokenizer(true), Interventions.NONE, "wikitext2", o).perWindow();
    }

    @Test
    void scoresAreTheSameDoublesAtOneTwoAndThreeThreads() {
        Parallel.useThreads(1);
        List<Map<String, Double>> reference = taskMetrics(1);
        List<PerplexityResult.Window> referenceWindows = windows();
        assertThat(reference).hasSize(3);
        assertThat(reference.getFirst().get("perplexity,none")).as("lambada perplexity").isFinite();
        assertThat(referenceWindows).hasSize(6);
        for (int threads : new int[]{2, 3}) {
            Parallel.useThreads(threads);
            for (int concurrency : new int[]{1, 3}) {
                assertThat(taskMetrics(concurrency)).as("%d threads, concurrency %d", threads, concurrency).isEqualTo(reference);
            }
            assertThat(windows()).as("%d threads", threads).isEqualTo(referenceWindows);
        }
        Parallel.useThreads(THREADS);
    }
}
