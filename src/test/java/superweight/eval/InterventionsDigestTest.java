package superweight.eval;

import org.junit.jupiter.api.Test;
import superweight.engine.ActivationOverride;
import superweight.engine.DownProjOutputHook;
import superweight.engine.Interventions;
import superweight.engine.LinearInputHook;
import superweight.engine.WeightEdit;
import superweight.model.arch.Linear;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The run store keeps conditions apart by what they change: equal changes share a key, different ones never do. */
class InterventionsDigestTest {
    @Test
    void digestSeparatesEveryKindOfChange() {
        var zero = Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 27, 121)));
        var scale = Interventions.of(List.of(WeightEdit.scale(1, Linear.DOWN, 27, 121, 2f)));
        var linearHook = Interventions.NONE.withLinearInputHook(LinearInputHook.of("a", (l, w, x, n, c) -> { }));
        var otherLinearHook = Interventions.NONE.withLinearInputHook(LinearInputHook.of("b", (l, w, x, n, c) -> { }));
        var outputHook = Interventions.NONE.withDownProjOutputHook(DownProjOutputHook.of("a", (l, s, in, out, n, a, b) -> { }));
        var otherOutputHook = Interventions.NONE.withDownProjOutputHook(DownProjOutputHook.of("b", (l, s, in, out, n, a, b) -> { }));
        var override = Interventions.NONE.withActivationOverrides(List.of(new ActivationOverride(1, 0, 27, 0f)));
        var otherOverride = Interventions.NONE.withActivationOverrides(List.of(new ActivationOverride(1, 0, 27, 5f)));
        assertThat(Evaluation.interventionsDigest(Interventions.NONE)).isEqualTo("none");
        assertThat(Evaluation.interventionsDigest(zero)).isEqualTo(Evaluation.interventionsDigest(
                Interventions.of(List.of(WeightEdit.zero(1, Linear.DOWN, 27, 121)))));
        assertThat(List.of(zero, scale, linearHook, otherLinearHook, outputHook, otherOutputHook, override, otherOverride).stream()
                .map(Evaluation::interventionsDigest).distinct()).hasSize(8).doesNotContain("none");
    }
}
