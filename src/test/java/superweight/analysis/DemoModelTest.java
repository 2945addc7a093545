package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.tensor.Tensor;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demonstration model has exactly the construction its documentation describes (the values below are the
 * documented ones, not read from the class), and detection finds the planted weight in it.
 */
class DemoModelTest {
    private static float maxAbs(Tensor t, int skipRow, int skipCol) {
        float m = 0;
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.cols(); c++) if (r != skipRow && c != skipCol) m = Math.max(m, Math.abs(t.get(r, c)));
        }
        return m;
    }

    @Test
    void plantsOneSuperWeightFedOnlyByTheBosMarker() {
        Model m = DemoModel.build(3);
        assertThat(m.id()).isEqualTo("superweight-demo-seed3");
        assertThat(m.config().hiddenSize()).isEqualTo(64);
        assertThat(m.config().intermediateSize()).isEqualTo(128);
        assertThat(m.layers()).hasSize(4);
        assertThat(m.config().vocabSize()).isEqualTo(DemoTokenizer.SIZE);
        assertThat(m.embeddings().get(1, 5)).isEqualTo(5f);                     // the BOS marker
        for (int t = 0; t < DemoModel.VOCAB; t++) if (t != 1) assertThat(m.embeddings().get(t, 5)).as("token %d", t).isZero();
        assertThat(maxAbs(m.embeddings(), 1, 5)).isLessThanOrEqualTo(0.1f);
        LayerWeights sw = m.layers().get(1);
        assertThat(sw.down().get(27, 93)).isEqualTo(4f);
        for (int r = 0; r < 64; r++) if (r != 27) assertThat(sw.down().get(r, 93)).as("down row %d", r).isZero();
        for (int c = 0; c < 64; c++) {
            float expected = c == 5 ? 2f : 0f;
            assertThat(sw.gate().get(93, c)).as("gate col %d", c).isEqualTo(expected);
            assertThat(sw.up().get(93, c)).as("up col %d", c).isEqualTo(expected);
        }
        for (int l = 0; l < 4; l++) {
            LayerWeights w = m.layers().get(l);
            int skip = l == 1 ? 93 : -1;
            assertThat(maxAbs(w.down(), -1, skip)).as("layer %d down", l).isLessThanOrEqualTo(0.05f).isGreaterThan(0.04f);
            assertThat(maxAbs(w.q(), -1, -1)).isLessThanOrEqualTo(0.05f).isGreaterThan(0.04f);
            assertThat(w.attnNorm()).containsOnly(1f).hasSize(64);
            assertThat(w.ffnNorm()).containsOnly(1f).hasSize(64);
        }
        assertThat(m.finalNorm()).containsOnly(1f).hasSize(64);
        assertThat(maxAbs(m.lmHead(), -1, -1)).isLessThanOrEqualTo(0.1f).isGreaterThan(0.08f);
        assertThat(DemoModel.planted()).isEqualTo(new SuperWeight(1, 27, 93, 4f));
    }

    @Test
    void detectionFindsThePlantedWeightOnADemoPrompt() {
        Model m = DemoModel.build(11);
        Detection d = new SuperWeightDetector().detect(m, DemoModel.prompts(5, 1, 16).getFirst());
        assertThat(d.superWeights()).hasSize(1);
        assertThat(d.superWeights().getFirst().sameCoordinates(DemoModel.planted())).isTrue();
        assertThat(d.superWeights().getFirst().value()).isEqualTo(4f);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SuperWeightDetector().detect(m, new int[0]))
                .isInstanceOf(superweight.SuperweightException.class).hasMessage("detection prompt: no tokens");
    }

    @Test
    void promptsStartWithBosAndDrawOrdinaryIds() {
        List<int[]> p = DemoModel.prompts(9, 5, 12);
        assertThat(p).hasSize(5);
        boolean[] seen = new boolean[DemoModel.VOCAB];
        for (int[] t : p) {
            assertThat(t).hasSize(12);
            assertThat(t[0]).isEqualTo(1);
            for (int i = 1; i < t.length; i++) {
                assertThat(t[i]).isBetween(3, DemoModel.VOCAB - 1);
                seen[t[i]] = true;
            }
        }
        int distinct = 0;
        for (boolean s : seen) if (s) distinct++;
        assertThat(distinct).as("55 draws from the ordinary ids").isGreaterThan(20);
        List<int[]> again = DemoModel.prompts(9, 5, 12);
        for (int i = 0; i < p.size(); i++) assertThat(again.get(i)).containsExactly(p.get(i));
        assertThat(DemoModel.prompts(10, 1, 12).getFirst()).isNotEqualTo(p.getFirst());
    }
}
