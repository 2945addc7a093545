package superweight.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.SuperweightException;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConditionTest {
    @Test
    void parsesEveryTableOneCondition() {
        assertThat(Condition.parseAll(List.of("original,prune-sw", "prune-sw-restore-sa", "prune-non-sw", "prune-non-sw:12", "scale:1.5", "SCALE:0", "prune-non-sw-per-tensor", "prune-non-sw-per-tensor:1e-5")))
                .containsExactly(new Condition.Original(), new Condition.PruneSuperWeights(), new Condition.PruneSuperWeightsRestoreActivations(),
                        new Condition.PruneNonSuperWeights(7000), new Condition.PruneNonSuperWeights(12), new Condition.Scale(1.5f),
                        new Condition.Scale(0f), new Condition.PruneNonSuperWeightsPerTensor(1e-6), new Condition.PruneNonSuperWeightsPerTensor(1e-5));
        assertThat(new Condition.Scale(2f).label()).isEqualTo("scale:2");
        assertThat(new Condition.Scale(0.2f).label()).isEqualTo("scale:0.2");
        assertThat(Condition.parseAll(List.of("original", "original"))).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"prune", "prune-non-sw:0", "prune-non-sw:x", "scale:", "scale:abc", "scale:NaN", "scale:Infinity", "original,,prune-sw", "prune-non-sw-per-tensor:2", "prune-non-sw-per-tensor:0"})
    void badConditionsAreOneLineErrors(String text) {
        assertThatThrownBy(() -> Condition.parseAll(List.of(text))).isInstanceOf(SuperweightException.class)
                .hasMessageContaining(text.contains(",,") ? "empty entry" : "'")
                .hasMessageNotContaining("\n");
    }

    @Test
    void parsesFactorLists() {
        assertThat(Condition.parseFactors("0, 0.2,1,3")).containsExactly(0f, 0.2f, 1f, 3f);
        assertThatThrownBy(() -> Condition.parseFactors("0,,1")).isInstanceOf(SuperweightException.class).hasMessageContaining("empty entry");
        assertThatThrownBy(() -> Condition.parseFactors("0,x")).isInstanceOf(SuperweightException.class).hasMessageContaining("'x'");
        assertThatThrownBy(() -> Condition.parseFactors("")).isInstanceOf(SuperweightException.class);
    }
}
