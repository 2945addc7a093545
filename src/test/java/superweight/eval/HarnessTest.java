package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import superweight.SuperweightException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The harness with a scorer whose scores are known by construction: choice c of item k scores -(k + 1)(c + 1), so
 * choice 0 always wins and acc is the share of items whose gold answer is 0.
 */
class HarnessTest {
    /** Five PIQA records with gold answers 0, 1, 0, 0, 1. */
    private static final List<JsonNode> DOCS = List.of(doc(0), doc(1), doc(0), doc(0), doc(1));
    private static final TaskSpec PIQA = Tasks.get("piqa");

    private static JsonNode doc(int label) {
        return Documents.JSON.createObjectNode().put("goal", "g").put("sol1", "a").put("sol2", "b").put("label", label);
    }

    private static ItemScorer known(AtomicInteger calls) {
        return item -> {
            calls.incrementAndGet();
            List<ChoiceScore> s = new ArrayList<>();
            for (int c = 0; c < item.requests().size(); c++) s.add(new ChoiceScore(-(item.index() + 1.0) * (c + 1), c == 0, 1));
            return s;
        };
    }

    /** Records what a progress display is told. */
    private static final class Recorded implements Progress {
        final List<String> starts = new ArrayList<>();
        final AtomicInteger steps = new AtomicInteger();

        @Override
        public Bar start(String name, String unit, long total, long done) {
            starts.add(name + " " + unit + " " + total + " " + done);
            return new Bar() {
                @Override
                public void step() {
                    steps.incrementAndGet();
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void concurrentScoringScoresEveryItemOnceAndStoresIt() {
        for (int concurrency : new int[]{1, 3}) {
            try (RunStore store = RunStore.inMemory()) {
                Recorded progress = new Recorded();
                AtomicInteger calls = new AtomicInteger();
                TaskResult r = new Harness(store, "fp", "base", "s", concurrency, progress).run(PIQA, DOCS, 0, known(calls));
                assertThat(r.metric("acc")).as("concurrency %d", concurrency).isEqualTo(3.0 / 5);
                assertThat(calls.get()).isEqualTo(5);
                assertThat(progress.starts).containsExactly("piqa items 5 0");
                assertThat(progress.steps.get()).isEqualTo(5);
                assertThat(store.finished(Harness.key("fp", "base", PIQA, "s"))).hasSize(5);
            }
        }
    }

    @Test
    void aResumedRunScoresOnlyTheMissingItemsAndSaysHowManyWereDone() {
        for (int concurrency : new int[]{1, 3}) {
            try (RunStore store = RunStore.inMemory()) {
                AtomicInteger first = new AtomicInteger(), second = new AtomicInteger();
                new Harness(store, "fp", "base", "s", concurrency, Progress.NONE).run(PIQA, DOCS, 2, known(first));
                Recorded progress = new Recorded();
                TaskResult r = new Harness(store, "fp", "base", "s", concurrency, progress).run(PIQA, DOCS, 0, known(second));
                assertThat(first.get()).isEqualTo(2);
                assertThat(second.get()).as("concurrency %d", concurrency).isEqualTo(3);
                assertThat(progress.starts).containsExactly("piqa items 5 2");
                assertThat(progress.steps.get()).isEqualTo(3);
                assertThat(r.metric("acc")).isEqualTo(3.0 / 5);
            }
        }
    }

    @Test
    void aScorerThatAnswersTheWrongNumberOfRequestsIsABug() {
        try (RunStore store = RunStore.inMemory()) {
            ItemScorer oneScore = item -> List.of(new ChoiceScore(-1, true, 1));
            assertThatThrownBy(() -> new Harness(store, "fp", "base", "s", 1, Progress.NONE).run(PIQA, DOCS, 1, oneScore))
                    .isInstanceOf(IllegalStateException.class).hasMessage("piqa item 0: 1 scores for 2 requests");
        }
    }

    @Test
    void aFailingItemStopsAConcurrentRunWithItsOwnError() {
        try (RunStore store = RunStore.inMemory()) {
            AtomicInteger calls = new AtomicInteger();
            ItemScorer failsOnItem2 = item -> {
                if (item.index() == 2) throw new SuperweightException("item 2 cannot be scored");
                return known(calls).score(item);
            };
            assertThatThrownBy(() -> new Harness(store, "fp", "base", "s", 3, Progress.NONE).run(PIQA, DOCS, 0, failsOnItem2))
                    .isInstanceOf(SuperweightException.class).hasMessage("item 2 cannot be scored");
        }
    }
}
