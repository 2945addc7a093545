package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.analysis.SuperWeight;
import superweight.eval.ModelFingerprint;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.tensor.RowView;
import superweight.model.tensor.Tensor;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Quantizing the shared fixtures: format independence, fused tensors, canonical keys. */
class FixtureQuantTest {
    private static WeightScheme scheme(String weights, String block, RaggedBlocks ragged, String clip, float restore) {
        return new WeightScheme(weights, BlockSize.parse(block), ragged, ClipRule.parse(clip), restore, false);
    }

    @Test
    void ggufAndSafetensorsCopiesQuantizeIdentically() {
        // GGUF stores llama's Q/K rows permuted and GPT-NeoX's fused rows regrouped; the loader's row views undo that,
        // so blocks are cut from the same canonical order (Phi-3: fused qkv and gate_up in both files)
        for (String arch : List.of("llama", "phi3", "gpt_neox")) {
            Model a = ModelLoader.load(Fixtures.arch(arch).resolve("model-f32.gguf")), b = ModelLoader.load(Fixtures.arch(arch));
            try {
                for (WeightScheme s : List.of(scheme("int4", "100", RaggedBlocks.WHOLE, "z:2", Float.NaN),
                        scheme("int3", "96", RaggedBlocks.LAST, "bp:0.01", Float.NaN), scheme("nf4", "channel", RaggedBlocks.WHOLE, "tp:0.001", Float.NaN))) {
                    Model qa = WeightQuantizer.apply(a, s, List.of()).model(), qb = WeightQuantizer.apply(b, s, List.of()).model();
                    for (int l = 0; l < a.layers().size(); l++) {
                        for (Linear lin : Linear.values()) {
                            Tensor ta = qa.layers().get(l).linear(lin), tb = qb.layers().get(l).linear(lin);
                            if (ta == null) continue;
                            for (long r = 0; r < ta.rows(); r++) {
                                assertThat(ta.row(r)).as("%s %s layer %d %s row %d", arch, s.label(), l, lin, r).containsExactly(tb.row(r));
                            }
                        }
                    }
                    // and the quantization changed the weights
                    assertThat(qa.layers().get(0).q().row(1)).isNotEqualTo(a.layers().get(0).q().row(1));
                }
            } finally {
                a.checkpoint().close();
                b.checkpoint().close();
            }
        }
    }

    @Test
    void phi3FusedProjectionsAreOneTensor() {
        Model m = ModelLoader.load(Fixtures.arch("phi3"));
        try {
            WeightQuantizer.Result r = WeightQuantizer.apply(m, scheme("int4", "tensor", RaggedBlocks.WHOLE, "none", Float.NaN), List.of());
            assertThat(r.units().stream().map(WeightQuantizer.Unit::name).toList()).contains("layers.0.q+k+v", "layers.0.o", "layers.0.gate+up", "layers.0.down");
            LayerWeights orig = m.layers().get(0), q = r.model().layers().get(0);
            // one block over q, k and v together: min and max of the three, s = 15 / (max - min)
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (Linear lin : List.of(Linear.Q, Linear.K, Linear.V)) {
                Tensor t = orig.linear(lin);
                for (long row = 0; row < t.rows(); row++) for (float v : t.row(row)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            float s = 15f / (max - min);
            for (Linear lin : List.of(Linear.Q, Linear.K, Linear.V)) {
                assertThat(q.linear(lin)).isInstanceOf(RowView.class);
                Tensor t = orig.linear(lin);
                for (long row = 0; row < t.rows(); row++) {
                    float[] w = t.row(row), got = q.linear(lin).row(row);
                    for (int c = 0; c < w.length; c++) assertThat(got[c]).isEqualTo((float) Math.rint((w[c] - min) * s) / s + min);
                }
            }
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void everySchemeHasItsOwnKeyAndFingerprint() {
        Model m = ModelLoader.load(Fixtures.shared().resolve("fixtures/planted"));
        try {
            List<SuperWeight> sw = List.of(new SuperWeight(1, 27, 121, m.layers().get(1).down().get(27, 121)));
            List<WeightScheme> schemes = List.of(scheme("int4", "256", RaggedBlocks.WHOLE, "none", Float.NaN),
                    scheme("int4", "256", RaggedBlocks.LAST, "none", Float.NaN), scheme("int4", "512", RaggedBlocks.WHOLE, "none", Float.NaN),
                    scheme("int3", "256", RaggedBlocks.WHOLE, "none", Float.NaN), scheme("nf4", "256", RaggedBlocks.WHOLE, "none", Float.NaN),
                    scheme("int4", "256", RaggedBlocks.WHOLE, "z:9", Float.NaN), scheme("int4", "256", RaggedBlocks.WHOLE, "z:9.5", Float.NaN),
                    scheme("int4", "256", RaggedBlocks.WHOLE, "bp:1e-5", Float.NaN), scheme("int4", "256", RaggedBlocks.WHOLE, "tp:1e-5", Float.NaN),
                    scheme("int4", "256", RaggedBlocks.WHOLE, "z:9", 1f), scheme("int4", "256", RaggedBlocks.WHOLE, "z:9", 2f),
                    new WeightScheme("int4", BlockSize.parse("256"), RaggedBlocks.WHOLE, ClipRule.parse("z:9"), 1f, true));
            Set<String> keys = new HashSet<>(), prints = new HashSet<>();
            for (WeightScheme s : schemes) {
                WeightQuantizer.Result r = WeightQuantizer.apply(m, s, sw);
                keys.add(r.key());
                prints.add(ModelFingerprint.of(r.model()));
                assertThat(r.model().derivation()).containsExactly(r.key());
            }
            assertThat(keys).hasSize(schemes.size());
            assertThat(prints).hasSize(schemes.size()).doesNotContain(ModelFingerprint.of(m));
            // the restored coordinates are part of the key
            assertThat(WeightQuantizer.apply(m, schemes.get(9), sw).key()).contains("1:27:121");
            assertThat(WeightQuantizer.apply(m, schemes.get(9), List.of()).key()).isNotEqualTo(WeightQuantizer.apply(m, schemes.get(9), sw).key());
        } finally {
            m.checkpoint().close();
        }
    }
}
