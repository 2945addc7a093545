package superweight.eval;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.engine.Pooling;
import superweight.engine.WeightEdit;
import superweight.model.Model;
import superweight.model.arch.Linear;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoder embeddings in the run store, on the fixture BERT: a rerun embeds nothing (counted by a hook that sees every
 * forward pass, not by the code's own count), an interrupted run embeds only what is missing, results are the
 * computed floats bit for bit, and other interventions, models or token ids are never served stored vectors.
 */
class StoredEmbeddingsTest {
    @AutoClose
    static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("bert").resolve("model.safetensors"));
    static final Model bert = LOADED.model();
    static final AtomicInteger passes = new AtomicInteger();
    /** Counts sequences through the encoder: the hook sees each sequence's layer-0 query input once. */
    static final LinearInputHook COUNTER = LinearInputHook.of("count-passes", (layer, linear, x, n, cols) -> {
        if (layer == 0 && linear == Linear.Q) passes.incrementAndGet();
    });
    static final Interventions COUNTED = Interventions.NONE.withLinearInputHook(COUNTER);

    @TempDir
    Path tmp;

    static List<int[]> sequences(int count) {
        Random rnd = new Random(3);
        List<int[]> r = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int[] t = new int[4 + s];
            t[0] = 101;
            for (int i = 1; i < t.length - 1; i++) t[i] = 103 + rnd.nextInt(200);
            t[t.length - 1] = 102;
            r.add(t);
        }
        return r;
    }

    private static int passes(Runnable r) {
        passes.set(0);
        r.run();
        return passes.get();
    }

    @Test
    void aRerunEmbedsNothingAndReadsBackTheSameBits() {
        List<int[]> seqs = sequences(5);
        List<float[]> direct = new Embedder(bert, Pooling.MEAN).embed(seqs, 1, COUNTED);
        Path file = tmp.resolve("runs.duckdb");
        List<List<float[]>> got = new ArrayList<>();
        int first = passes(() -> {
            try (RunStore store = RunStore.open(file)) {
                got.add(new StoredEmbeddings(store, "set", 2).embed(bert, Pooling.MEAN, COUNTED, "original", seqs).vectors());
            }
        });
        int second = passes(() -> {
            try (RunStore store = RunStore.open(file)) {
                StoredEmbeddings.Embedded e = new StoredEmbeddings(store, "set", 2).embed(bert, Pooling.MEAN, COUNTED, "original", seqs);
                assertThat(e.computed()).isZero();
                got.add(e.vectors());
            }
        });
        assertThat(first).isEqualTo(5);
        assertThat(second).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(got.get(0).get(i)).containsExactly(direct.get(i));
            assertThat(got.get(1).get(i)).containsExactly(direct.get(i));
        }
    }

    @Test
    void anInterruptedRunEmbedsOnlyWhatIsMissing() {
        List<int[]> seqs = sequences(5);
        try (RunStore store = RunStore.inMemory()) {
            StoredEmbeddings se = new StoredEmbeddings(store, "set", 8);
            assertThat(passes(() -> se.embed(bert, Pooling.MEAN, COUNTED, "c", seqs.subList(0, 2)))).isEqualTo(2);
            assertThat(passes(() -> assertThat(se.embed(bert, Pooling.MEAN, COUNTED, "c", seqs).computed()).isEqualTo(3))).isEqualTo(3);
            // item 1 now holds other token ids: only it is embedded again
            List<int[]> changed = new ArrayList<>(seqs);
            changed.set(1, new int[]{101, 150, 102});
            assertThat(passes(() -> se.embed(bert, Pooling.MEAN, COUNTED, "c", changed))).isEqualTo(1);
        }
    }

    @Test
    void otherConditionsInterventionsPoolingAndModelsAreKeptApart() {
        List<int[]> seqs = sequences(3);
        try (RunStore store = RunStore.inMemory()) {
            StoredEmbeddings se = new StoredEmbeddings(store, "set", 8);
            se.embed(bert, Pooling.MEAN, COUNTED, "c", seqs);
            assertThat(passes(() -> se.embed(bert, Pooling.MEAN, COUNTED, "other-label", seqs))).isEqualTo(3);
            assertThat(passes(() -> se.embed(bert, Pooling.CLS, COUNTED, "c", seqs))).isEqualTo(3);
            Interventions edited = new Interventions(List.of(WeightEdit.zero(1, Linear.DOWN, 3, 5)), List.of(), COUNTER);
            List<float[]> pruned = new ArrayList<>();
            assertThat(passes(() -> pruned.addAll(se.embed(bert, Pooling.MEAN, edited, "c", seqs).vectors()))).isEqualTo(3);
            assertThat(pruned.getFirst()).containsExactly(new Embedder(bert, Pooling.MEAN).embed(seqs, 1, edited).getFirst());
            Model int8 = superweight.quant.W8A8.int8Weights(bert, java.util.EnumSet.allOf(Linear.class));
            assertThat(passes(() -> se.embed(int8, Pooling.MEAN, COUNTED, "c", seqs))).isEqualTo(3);
            assertThat(new StoredEmbeddings(store, "another-set", 8).embed(bert, Pooling.MEAN, Interventions.NONE, "c", seqs).computed()).isEqualTo(3);
        }
    }

    @Test
    void theTextSetNameCoversEveryIdAndTheSequenceBoundaries() {
        String a = StoredEmbeddings.textSet("x", List.of(new int[]{1, 2}, new int[]{3}));
        assertThat(StoredEmbeddings.textSet("x", List.of(new int[]{1}, new int[]{2, 3}))).isNotEqualTo(a);
        assertThat(StoredEmbeddings.textSet("x", List.of(new int[]{1, 2}, new int[]{4}))).isNotEqualTo(a);
        assertThat(StoredEmbeddings.textSet("x", List.of(new int[]{1, 2}, new int[]{3}))).isEqualTo(a).startsWith("x:2:");
    }

    @Test
    void aBatchOfOneEmbedsEachSequenceAloneAndABatchBelowOneIsRefused() {
        List<int[]> seqs = sequences(3);
        try (RunStore store = RunStore.inMemory()) {
            assertThatThrownBy(() -> new StoredEmbeddings(store, "set", 0)).isInstanceOf(IllegalArgumentException.class).hasMessage("batch size 0");
            StoredEmbeddings.Embedded e = new StoredEmbeddings(store, "set", 1).embed(bert, Pooling.MEAN, Interventions.NONE, "c", seqs);
            assertThat(e.computed()).isEqualTo(3);
            for (int i = 0; i < seqs.size(); i++) {
                assertThat(e.vectors().get(i)).as("sequence " + i)
                        .containsExactly(new Embedder(bert, Pooling.MEAN).embed(List.of(seqs.get(i)), 1, Interventions.NONE).getFirst());
            }
        }
    }
}
