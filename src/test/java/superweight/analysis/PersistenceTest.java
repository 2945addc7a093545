package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Persistence's per-layer view recomputed here from the residual stream itself (a tap of this test's own): the super
 * activation's value, the largest channel and max/median at its position, from its layer on.
 */
class PersistenceTest {
    @Test
    void eachLayerFromTheSuperActivationsOnIsMeasuredAtItsPosition() {
        Model m = DemoModel.build(2);
        int[] tokens = DemoModel.prompts(4, 1, 10).getFirst();
        int position = 0;
        SuperActivation sa = new SuperActivation(DemoModel.LAYER, position, DemoModel.ROW, 0f);
        List<float[]> rows = new ArrayList<>();
        ForwardPass.observe(m, tokens, new Taps() {
            @Override
            public void residual(int layer, int start, float[] h, int n, int dim) {
                if (layer >= DemoModel.LAYER) rows.add(Arrays.copyOfRange(h, (position - start) * dim, (position - start + 1) * dim));
            }
        }, Interventions.NONE);
        Persistence.Result r = Persistence.measure(m, tokens, sa, Interventions.NONE);
        assertThat(r.layers()).hasSize(DemoModel.LAYERS - DemoModel.LAYER);
        for (int k = 0; k < rows.size(); k++) {
            float[] row = rows.get(k);
            int max = 0;
            for (int c = 0; c < row.length; c++) if (Math.abs(row[c]) > Math.abs(row[max])) max = c;
            double[] abs = new double[row.length];
            for (int c = 0; c < row.length; c++) abs[c] = Math.abs(row[c]);
            Arrays.sort(abs);
            double median = (abs[31] + abs[32]) / 2;   // 64 channels: the mean of the two middle values
            Persistence.Layer l = r.layers().get(k);
            assertThat(l.layer()).isEqualTo(DemoModel.LAYER + k);
            assertThat(l.value()).isEqualTo(row[DemoModel.ROW]);
            assertThat(l.maxChannel()).isEqualTo(max);
            assertThat(l.ratioToMedian()).isCloseTo(Math.abs(row[max]) / median, org.assertj.core.api.Assertions.within(1e-6 * Math.abs(row[max]) / median));
        }
        assertThat(r.persists()).isEqualTo(r.layers().stream().allMatch(l -> l.maxChannel() == DemoModel.ROW));
        assertThat(r.persists()).isTrue();
    }
}
