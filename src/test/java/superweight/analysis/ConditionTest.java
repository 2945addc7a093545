package superweight.analysis;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
                        new Condition.PruneNonSuperWeightsPerTensor(1e-6, 0, 31), new Condition.PruneNonSuperWeights(12), new Condition.Scale(1.5f),
                        new Condition.Scale(0f), new Condition.PruneNonSuperWeightsPerTensor(1e-6), new Condition.PruneNonSuperWeightsPerTensor(1e-5));
        assertThat(new Condition.Scale(2f).label()).isEqualTo("scale:2");
        assertThat(Condition.parse("prune-non-sw-all-weights")).isEqualTo(new Condition.PruneNonSuperWeightsAllWeights(5e-7));
        assertThat(Condition.parse("prune-non-sw-per-tensor:1e-4:0-31")).isEqualTo(new Condition.PruneNonSuperWeightsPerTensor(1e-4, 0, 31));
        assertThat(Condition.parse("prune-non-sw-per-tensor:1e-4:all")).isEqualTo(new Condition.PruneNonSuperWeightsPerTensor(1e-4));
        assertThat(new Condition.Scale(0.2f).label()).isEqualTo("scale:0.2");
        assertThat(Condition.parseAll(List.of("original", "original"))).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"prune", "prune-non-sw:0", "prune-non-sw:x", "scale:", "scale:abc", "scale:NaN", "scale:Infinity", "original,,prune-sw", "prune-non-sw-per-tensor:2", "prune-non-sw-per-tensor:0",
            "prune-non-sw-per-tensor:1e-6:5-2", "prune-non-sw-per-tensor:1e-6:x", "prune-non-sw-per-tensor:1e-6:0-3:1", "prune-non-sw-all-weights:0"})
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

    /** Labels that users' run stores already hold (written before prune-non-sw became the per-tensor rule), with what they meant then. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "prune-non-sw:7000            | global top 7000",
            "prune-non-sw:100             | global top 100",
            "prune-non-sw-per-tensor:1.0E-6 | per tensor 1.0E-6 all layers",
            "prune-non-sw-per-tensor:1.0E-5 | per tensor 1.0E-5 all layers",
            "prune-sw                     | prune-sw",
            "scale:0.5                    | scale 0.5"})
    void oldLabelsKeepTheirMeaningAndRoundTrip(String label, String meaning) {
        Condition c = Condition.parse(label);
        assertThat(c.label()).isEqualTo(label);
        String got = switch (c) {
            case Condition.PruneNonSuperWeights p -> "global top " + p.count();
            case Condition.PruneNonSuperWeightsPerTensor p -> "per tensor " + p.fraction() + (p.firstLayer() == 0 && p.lastLayer() == Integer.MAX_VALUE ? " all layers" : " some layers");
            case Condition.PruneSuperWeights p -> "prune-sw";
            case Condition.Scale s -> "scale " + s.factor();
            default -> c.toString();
        };
        assertThat(got).isEqualTo(meaning);
    }

    @Test
    void theDefaultPruneNonSwIsThePaperCodesRuleAndSaysWhatItLeavesOut() {
        Condition c = Condition.parse("prune-non-sw");
        assertThat(c.label()).isEqualTo("prune-non-sw-per-tensor:1.0E-6:0-31");
        assertThat(Condition.parse(c.label())).isEqualTo(c);
        assertThat(c.rule()).contains("int(numel*1.0E-6)").contains("layers 0-31").contains("super weights kept");
        var p = (Condition.PruneNonSuperWeightsPerTensor) c;
        assertThat(p.uncovered(32)).isNull();
        assertThat(p.uncovered(40)).isEqualTo("not pruned in this 40-layer model: layers 32-39");
        assertThat(new Condition.PruneNonSuperWeights(7000).rule()).startsWith("global");
        assertThat(new Condition.PruneNonSuperWeightsAllWeights(5e-7).rule()).contains("embeddings, norms, lm_head");
    }

    @Test
    void boundariesOfEachParameter() {
        assertThat(Condition.parse("prune-non-sw:1")).isEqualTo(new Condition.PruneNonSuperWeights(1));
        assertThat(Condition.parse("prune-non-sw-all-weights:0.25")).isEqualTo(new Condition.PruneNonSuperWeightsAllWeights(0.25));
        assertThat(Condition.parse("prune-non-sw-all-weights:1")).isEqualTo(new Condition.PruneNonSuperWeightsAllWeights(1));
        assertThat(Condition.parse("prune-non-sw-per-tensor:1e-4:3-3")).isEqualTo(new Condition.PruneNonSuperWeightsPerTensor(1e-4, 3, 3));
        assertThat(Condition.parse("prune-non-sw-per-tensor:1e-4:0-0")).isEqualTo(new Condition.PruneNonSuperWeightsPerTensor(1e-4, 0, 0));
        for (String bad : List.of("prune-non-sw-per-tensor:1e-4:3", "prune-non-sw-per-tensor:1e-4:1-2-3", "prune-non-sw-per-tensor:1e-4:-1-2",
                "prune-non-sw-all-weights:1.5", "prune-non-sw-all-weights:-0.1")) {
            assertThatThrownBy(() -> Condition.parse(bad)).as(bad).isInstanceOf(SuperweightException.class).hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> Condition.parseAll(List.of())).isInstanceOf(SuperweightException.class)
                .hasMessageStartingWith("no condition given");
    }

    @Test
    void factorsPrintAsIntegersBelowTenMillion() {
        assertThat(Condition.trim(9_999_999f)).isEqualTo("9999999");
        assertThat(Condition.trim(1e7f)).isEqualTo("1.0E7");
        assertThat(Condition.trim(-3f)).isEqualTo("-3");
        assertThat(Condition.trim(2.5f)).isEqualTo("2.5");
    }
}
