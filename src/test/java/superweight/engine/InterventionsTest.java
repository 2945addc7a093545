package superweight.engine;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import superweight.FixtureModel;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.arch.Linear;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Weight edits overlaid on the llama fixture (3 layers; q_proj 64 x 64, down_proj 64 x 176): each edit changes the
 * one element it names, later edits of the same element apply to the earlier result, edits outside the model are
 * refused naming what they address, and the builders keep every other part of the description.
 */
class InterventionsTest {
    @AutoClose
    private static final FixtureModel LOADED = FixtureModel.load(Fixtures.arch("llama"));
    private static final Model model = LOADED.model();

    private static float weight(Model m, int layer, Linear linear, int row, int col) {
        return m.layers().get(layer).linear(linear).get(row, col);
    }

    @Test
    void editsOfOneElementComposeInOrderAndTouchNothingElse() {
        float w = weight(model, 2, Linear.DOWN, 3, 100), v = weight(model, 0, Linear.Q, 63, 0);
        Model edited = Interventions.of(List.of(
                WeightEdit.scale(2, Linear.DOWN, 3, 100, 2f), WeightEdit.scale(2, Linear.DOWN, 3, 100, 3f),   // w * 2 * 3
                WeightEdit.zero(0, Linear.Q, 63, 0), WeightEdit.scale(0, Linear.Q, 63, 0, 5f),                // 0 * 5
                WeightEdit.set(1, Linear.UP, 7, 8, 4f), WeightEdit.scale(1, Linear.UP, 7, 8, 0.5f))).applyTo(model);
        assertThat(weight(edited, 2, Linear.DOWN, 3, 100)).isEqualTo(w * 2f * 3f);
        assertThat(weight(edited, 0, Linear.Q, 63, 0)).isZero();
        assertThat(v).isNotZero();
        assertThat(weight(edited, 1, Linear.UP, 7, 8)).isEqualTo(2f);
        // the rows read through the overlay carry the edits; neighbours and other layers and projections do not change
        float[] row = edited.layers().get(2).down().row(3);
        assertThat(row[100]).isEqualTo(w * 6f);
        assertThat(row[99]).isEqualTo(weight(model, 2, Linear.DOWN, 3, 99));
        assertThat(weight(edited, 2, Linear.DOWN, 4, 100)).isEqualTo(weight(model, 2, Linear.DOWN, 4, 100));
        assertThat(weight(edited, 1, Linear.DOWN, 3, 100)).isEqualTo(weight(model, 1, Linear.DOWN, 3, 100));
        assertThat(edited.layers().get(0).k()).isSameAs(model.layers().get(0).k());
        assertThat(edited.layers().get(1).q()).isSameAs(model.layers().get(1).q());
        // the loaded model itself is never changed
        assertThat(weight(model, 2, Linear.DOWN, 3, 100)).isEqualTo(w);
        assertThat(weight(model, 0, Linear.Q, 63, 0)).isEqualTo(v);
        assertThat(Interventions.NONE.applyTo(model)).isSameAs(model);
    }

    @Test
    void editsOutsideTheModelAreRefused() {
        Tensor down = model.layers().get(0).down();
        assertThat(down.rows()).isEqualTo(64);
        assertThat(down.cols()).isEqualTo(176);
        assertThatThrownBy(() -> Interventions.of(List.of(WeightEdit.zero(3, Linear.DOWN, 0, 0))).applyTo(model))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("weight edit layer 3 out of range");
        assertThatThrownBy(() -> Interventions.of(List.of(WeightEdit.zero(-1, Linear.DOWN, 0, 0))).applyTo(model))
                .hasMessage("weight edit layer -1 out of range");
        for (int[] rc : new int[][]{{64, 0}, {-1, 0}, {0, 176}, {0, -1}}) {
            assertThatThrownBy(() -> Interventions.of(List.of(WeightEdit.zero(0, Linear.DOWN, rc[0], rc[1]))).applyTo(model))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("weight edit (" + rc[0] + ", " + rc[1] + ") outside " + down);
        }
        // the last valid element of the last layer is accepted
        Model corner = Interventions.of(List.of(WeightEdit.set(2, Linear.DOWN, 63, 175, 9f))).applyTo(model);
        assertThat(weight(corner, 2, Linear.DOWN, 63, 175)).isEqualTo(9f);
    }

    @Test
    void buildersKeepTheRestAndCopyTheirLists() {
        LinearInputHook in = LinearInputHook.of("in", (l, linear, x, n, cols) -> { });
        DownProjOutputHook out = DownProjOutputHook.of("out", (l, s, i, o, n, a, b) -> { });
        WeightEdit e1 = WeightEdit.zero(0, Linear.DOWN, 1, 2), e2 = WeightEdit.scale(1, Linear.UP, 3, 4, 2f);
        ActivationOverride o1 = new ActivationOverride(1, 0, 5, 1f), o2 = new ActivationOverride(2, 1, 6, 2f);
        List<WeightEdit> edits = new ArrayList<>(List.of(e1));
        Interventions iv = new Interventions(edits, List.of(o1), in, out);
        edits.add(e2);
        assertThat(iv.weightEdits()).containsExactly(e1);
        Interventions more = iv.withWeightEdits(List.of(e2)).withActivationOverrides(List.of(o2));
        assertThat(more.weightEdits()).containsExactly(e1, e2);
        assertThat(more.activationOverrides()).containsExactly(o1, o2);
        assertThat(more.linearInputHook()).isSameAs(in);
        assertThat(more.downProjOutputHook()).isSameAs(out);
        assertThat(iv.weightEdits()).containsExactly(e1);
        assertThat(iv.activationOverrides()).containsExactly(o1);
        LinearInputHook in2 = LinearInputHook.of("in2", (l, linear, x, n, cols) -> { });
        Interventions swapped = more.withLinearInputHook(in2).withDownProjOutputHook(null);
        assertThat(swapped.linearInputHook()).isSameAs(in2);
        assertThat(swapped.downProjOutputHook()).isNull();
        assertThat(swapped.weightEdits()).containsExactly(e1, e2);
        assertThat(swapped.activationOverrides()).containsExactly(o1, o2);
        assertThat(more.withDownProjOutputHook(out).linearInputHook()).isSameAs(in);
        assertThat(in.key()).isEqualTo("in");
        assertThat(out.key()).isEqualTo("out");
        assertThat(new Interventions(List.of(e1), List.of(), in).downProjOutputHook()).isNull();
        assertThat(Interventions.NONE.weightEdits()).isEmpty();
        assertThat(Interventions.NONE.activationOverrides()).isEmpty();
        assertThat(Interventions.NONE.linearInputHook()).isNull();
        assertThat(Interventions.NONE.downProjOutputHook()).isNull();
    }
}
