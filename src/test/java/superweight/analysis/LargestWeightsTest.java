package superweight.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class LargestWeightsTest {
    record W(int layer, Linear linear, int row, int col, float abs) {
    }

    /** Brute force: every element of every decoder linear, sorted. */
    private static List<W> allSorted(Model m, List<SuperWeight> excluded) {
        List<W> all = new ArrayList<>();
        for (int l = 0; l < m.config().layers(); l++) {
            LayerWeights w = m.layers().get(l);
            for (Linear lin : Linear.values()) {
                Tensor t = w.linear(lin);
                for (int r = 0; r < t.rows(); r++) {
                    for (int c = 0; c < t.cols(); c++) {
                        int layer = l, row = r, col = c;
                        if (lin == Linear.DOWN && excluded.stream().anyMatch(s -> s.layer() == layer && s.row() == row && s.col() == col)) continue;
                        all.add(new W(l, lin, r, c, Math.abs(t.get(r, c))));
                    }
                }
            }
        }
        all.sort(Comparator.comparingDouble((W x) -> -x.abs()).thenComparingInt(W::layer).thenComparingInt(x -> x.linear().ordinal())
                .thenComparingInt(W::row).thenComparingInt(W::col));
        return all;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33, 500})
    void matchesABruteForceSortExcludingTheSuperWeight(int n) {
        var sw = new TinyModels.Planted(1, 5, 9);
        Model m = TinyModels.build(42, 3, 3, List.of(sw));
        List<SuperWeight> excluded = List.of(SuperWeight.at(1, 5, 9));
        List<LargestWeights.Element> got = LargestWeights.find(m, n, excluded);
        List<W> expected = allSorted(m, excluded).subList(0, n);
        assertThat(got).hasSize(n);
        for (int i = 0; i < n; i++) {
            var g = got.get(i);
            assertThat(new W(g.layer(), g.linear(), g.row(), g.col(), Math.abs(g.value()))).isEqualTo(expected.get(i));
        }
        assertThat(got).noneMatch(e -> e.layer() == 1 && e.linear() == Linear.DOWN && e.row() == 5 && e.col() == 9);
    }

    @Test
    void heapKeepsTheBestWithDeterministicTies() {
        Random rnd = new Random(5);
        var heap = new LargestWeights.Heap(13);
        List<long[]> all = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            float m = rnd.nextInt(20);     // many ties
            long k = rnd.nextLong(1_000_000);
            heap.offer(m, k);
            all.add(new long[]{(long) m, k});
        }
        all.sort(Comparator.comparingLong((long[] a) -> -a[0]).thenComparingLong(a -> a[1]));
        long[] keys = heap.keys();
        java.util.Arrays.sort(keys);
        long[] expected = all.subList(0, 13).stream().mapToLong(a -> a[1]).sorted().toArray();
        assertThat(keys).containsExactly(expected);
    }

    @Test
    void perTensorRuleTakesTheTopFractionOfEachTensorWithTiesAndKeepsTheSuperWeight() {
        var sw = new TinyModels.Planted(0, 2, 4);
        Model m = TinyModels.build(8, 2, 1, List.of(sw));
        // fraction 3 / 2048: floor(q 1024, k/v 512, o 1024, gate/up/down 2048 elements * f) = 1, 0, 0, 1, 3, 3, 3
        double f = 3.0 / 2048;
        List<LargestWeights.Element> got = LargestWeights.perTensor(m, f, List.of(SuperWeight.at(0, 2, 4)), 0, Integer.MAX_VALUE);
        for (int l = 0; l < 2; l++) {
            for (Linear lin : Linear.values()) {
                Tensor t = m.layers().get(l).linear(lin);
                int k = (int) Math.floor(t.elements() * f);
                int layer = l;
                List<LargestWeights.Element> mine = got.stream().filter(e -> e.layer() == layer && e.linear() == lin).toList();
                if (k == 0) {
                    assertThat(mine).isEmpty();
                    continue;
                }
                // the k-th largest magnitude of this tensor, by brute force
                List<Float> mags = new ArrayList<>();
                for (int r = 0; r < t.rows(); r++) for (int c = 0; c < t.cols(); c++) mags.add(Math.abs(t.get(r, c)));
                mags.sort(Comparator.reverseOrder());
                float threshold = mags.get(k - 1);
                long atLeast = mags.stream().filter(x -> x >= threshold).count();
                boolean holdsSuperWeight = l == 0 && lin == Linear.DOWN;
                assertThat(mine).as("%s layer %d", lin, l).hasSize((int) atLeast - (holdsSuperWeight ? 1 : 0));
                assertThat(mine).allMatch(e -> Math.abs(e.value()) >= threshold);
            }
        }
        assertThat(got).noneMatch(e -> e.layer() == 0 && e.linear() == Linear.DOWN && e.row() == 2 && e.col() == 4);
    }

    /** A copy of {@code t} (as F32) with element [row, col] set to 0. */
    private static Tensor zeroedAt(Tensor t, int row, int col) {
        float[] v = new float[(int) t.elements()];
        for (int r = 0; r < t.rows(); r++) for (int c = 0; c < t.cols(); c++) v[r * t.cols() + c] = r == row && c == col ? 0f : t.get(r, c);
        return superweight.model.tensor.F32Tensor.of("copy", (int) t.rows(), t.cols(), v);
    }

    /** The brute-force top of one tensor: every (row, col) with |w| >= the k-th largest magnitude, k = floor(numel * f). */
    private static List<long[]> bruteTop(Tensor t, double f) {
        int k = (int) Math.floor(t.elements() * f);
        if (k == 0) return List.of();
        List<Float> mags = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) for (int c = 0; c < t.cols(); c++) mags.add(Math.abs(t.get(r, c)));
        mags.sort(Comparator.reverseOrder());
        float threshold = mags.get(k - 1);
        List<long[]> r = new ArrayList<>();
        for (int row = 0; row < t.rows(); row++) for (int c = 0; c < t.cols(); c++) if (Math.abs(t.get(row, c)) >= threshold) r.add(new long[]{row, c});
        return r;
    }

    @Test
    void thePruneNonSwConditionZeroesEachTensorsTopOfItsLayersButNeverTheSuperWeight() {
        // the super weight (4.0) is the largest |w| of its down_proj, so a rule that forgot to exclude it would zero it
        var sw = new TinyModels.Planted(1, 2, 4);
        Model m = TinyModels.build(8, 3, 1, List.of(sw));
        List<SuperWeight> sws = List.of(new SuperWeight(1, 2, 4, TinyModels.SUPER_WEIGHT));
        double f = 3.0 / 2048;
        var plan = Ablation.plan(new Condition.PruneNonSuperWeightsPerTensor(f, 0, 1), m, sws);
        List<String> expected = new ArrayList<>();
        for (int l = 0; l <= 1; l++) {   // layer 2 lies outside 0-1
            for (Linear lin : Linear.values()) {
                for (long[] e : bruteTop(m.layers().get(l).linear(lin), f)) {
                    if (l == 1 && lin == Linear.DOWN && e[0] == 2 && e[1] == 4) continue;
                    expected.add(l + " " + lin + " " + e[0] + " " + e[1]);
                }
            }
        }
        assertThat(plan.interventions().weightEdits()).extracting(w -> w.layer() + " " + w.linear() + " " + w.row() + " " + w.col())
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(expected).isNotEmpty();
        assertThat(plan.weightEdits()).isEqualTo(expected.size());
        assertThat(plan.model()).isSameAs(m);
    }

    @Test
    void theAllWeightsRuleAlsoPrunesEmbeddingsAndHeadButKeepsTheSuperWeight() {
        var sw = new TinyModels.Planted(0, 2, 4);
        Model m = TinyModels.build(8, 2, 1, List.of(sw));
        double f = 3.0 / 2048;   // embeddings/head 1280 elements: 1 each; norms 32: none
        var plan = Ablation.plan(new Condition.PruneNonSuperWeightsAllWeights(f), m, List.of(new SuperWeight(0, 2, 4, TinyModels.SUPER_WEIGHT)));
        Model p = plan.model();
        assertThat(p.derivation()).singleElement().asString().contains("prune-non-sw-all-weights").contains("(0, 2, 4)");
        assertThat(p.layers().get(0).down().get(2, 4)).isEqualTo(TinyModels.SUPER_WEIGHT);
        int zeroed = 0;
        for (Tensor[] pair : new Tensor[][]{{m.embeddings(), p.embeddings()}, {m.lmHead(), p.lmHead()}}) {
            List<long[]> top = bruteTop(pair[0], f);
            assertThat(top).hasSize(1);
            assertThat(pair[0].get(top.getFirst()[0], (int) top.getFirst()[1])).isNotZero();
            assertThat(pair[1].get(top.getFirst()[0], (int) top.getFirst()[1])).isZero();
            zeroed += top.size();
        }
        for (int l = 0; l < 2; l++) {
            for (Linear lin : Linear.values()) {
                Tensor t = m.layers().get(l).linear(lin);
                // the reference zeroes the super weight before ranking (scale_SO 0, remove_outliers, scale_SO 1):
                // its down_proj loses the 3 largest other weights, not the 2 others of a top-3 that holds the super weight
                boolean holdsSuperWeight = l == 0 && lin == Linear.DOWN;
                List<long[]> top = holdsSuperWeight ? bruteTop(zeroedAt(t, 2, 4), f) : bruteTop(t, f);
                if (holdsSuperWeight) assertThat(top).hasSize(3).noneMatch(e -> e[0] == 2 && e[1] == 4);
                for (long[] e : top) {
                    assertThat(p.layers().get(l).linear(lin).get(e[0], (int) e[1])).isZero();
                    zeroed++;
                }
            }
        }
        assertThat(plan.weightEdits()).isEqualTo(zeroed);
        assertThat(plan.interventions().weightEdits()).isEmpty();
    }

    private static List<String> top(Tensor t, double fraction) {
        List<String> out = new ArrayList<>();
        LargestWeights.forEachTop(t, fraction, (row, col, v) -> out.add(row + "," + col + "=" + v));
        return out;
    }

    @Test
    void topFractionIsEveryWeightAtLeastTheKthLargestMagnitude() {
        // |w| in storage order 3, 1, 2, 2, 0.5, 1; k = int(6 x fraction)
        Tensor t = superweight.model.tensor.F32Tensor.of("t", 2, 3, new float[] {3, 1, 2, -2, 0.5f, 1});
        assertThat(top(t, 0.16)).isEmpty();                                           // k = 0
        assertThat(top(t, 0.17)).containsExactly("0,0=3.0");                          // k = 1
        assertThat(top(t, 0.34)).containsExactly("0,0=3.0", "0,2=2.0", "1,0=-2.0");   // k = 2: the tie at 2 too
        assertThat(top(t, 0.67)).containsExactly("0,0=3.0", "0,1=1.0", "0,2=2.0", "1,0=-2.0", "1,2=1.0"); // k = 4
    }

    @Test
    void aFamilyWithoutGateIsSearchedOverItsOtherLinears() {
        Model m = superweight.model.ModelLoader.load(superweight.Fixtures.arch("gpt_neox").resolve("model.safetensors"));
        try {
            assertThat(m.layers().getFirst().gate()).isNull();
            float best = 0;
            for (LayerWeights w : m.layers()) {
                for (Linear lin : Linear.values()) {
                    Tensor t = w.linear(lin);
                    if (t == null) continue;
                    for (int r = 0; r < t.rows(); r++) for (int c = 0; c < t.cols(); c++) best = Math.max(best, Math.abs(t.get(r, c)));
                }
            }
            assertThat(Math.abs(LargestWeights.find(m, 1, List.of()).getFirst().value())).isEqualTo(best);
            assertThat(LargestWeights.perTensor(m, 0.5, List.of(), 0, 0)).isNotEmpty()
                    .allMatch(e -> e.layer() == 0 && e.linear() != Linear.GATE);
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void askingForNoWeightsIsAnError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LargestWeights.find(DemoModel.build(1), 0, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theAllWeightsRuleAtFractionOneZeroesEverythingButTheSuperWeightsOfTheirOwnLayer() {
        Model m = TinyModels.build(8, 2, 1, List.of(new TinyModels.Planted(0, 2, 4)));
        var r = AllWeightsPruning.apply(m, 1.0, List.of(new SuperWeight(0, 2, 4, TinyModels.SUPER_WEIGHT)));
        Model p = r.model();
        long expected = m.embeddings().elements() + (m.lmHead() == m.embeddings() ? 0 : m.lmHead().elements()) + m.finalNorm().length - 1;
        for (int l = 0; l < 2; l++) {
            LayerWeights w = p.layers().get(l);
            for (Linear lin : Linear.values()) {
                Tensor t = w.linear(lin);
                expected += t.elements();
                for (int row = 0; row < t.rows(); row++) {
                    for (int c = 0; c < t.cols(); c++) {
                        float want = l == 0 && lin == Linear.DOWN && row == 2 && c == 4 ? TinyModels.SUPER_WEIGHT : 0f;
                        assertThat(t.get(row, c)).as("layer %d %s [%d, %d]", l, lin, row, c).isEqualTo(want);
                    }
                }
            }
            assertThat(w.attnNorm()).containsOnly(0f);
            assertThat(w.ffnNorm()).containsOnly(0f);
            expected += w.attnNorm().length + w.ffnNorm().length;
        }
        assertThat(p.finalNorm()).containsOnly(0f);
        assertThat(m.finalNorm()).doesNotContain(0f);   // the original is untouched
        assertThat(r.zeroed()).isEqualTo(expected);
    }

    @Test
    void theAllWeightsRulePrunesATiedHeadOnceAndSkipsMissingLinears() {
        Model d = DemoModel.build(1);
        Model tied = new Model(d.id(), d.config(), d.embeddings(), d.layers(), d.finalNorm(), null, d.embeddings(), null, List.of());
        Model p = AllWeightsPruning.apply(tied, 1e-3, List.of()).model();
        assertThat(p.lmHead()).isSameAs(p.embeddings());
        Model neox = superweight.model.ModelLoader.load(superweight.Fixtures.arch("gpt_neox").resolve("model.safetensors"));
        try {
            Model q = AllWeightsPruning.apply(neox, 1e-2, List.of()).model();
            assertThat(q.layers().getFirst().gate()).isNull();
        } finally {
            neox.checkpoint().close();
        }
    }
}
