package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.model.Model;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CharacterizationTest {
    @Test
    void theSuperActivationSitsAtTheSameChannelAndPositionForEveryBosPrompt() {
        var planted = new TinyModels.Planted(1, 7, 20);
        Model m = TinyModels.build(3, 3, 11, List.of(planted));
        List<int[]> prompts = List.of(TinyModels.prompt(1, 6), TinyModels.prompt(2, 9), TinyModels.prompt(3, 14));
        var r = Characterization.run(m, List.of(SuperWeight.at(1, 7, 20)), prompts);
        assertThat(r.observations()).hasSize(3).allSatisfy(o -> {
            assertThat(o.layer()).isEqualTo(1);
            assertThat(o.channel()).isEqualTo(7);
            assertThat(o.position()).isZero();
            assertThat(o.token()).isEqualTo(TinyModels.BOS);
            assertThat(o.layerMaximum()).isTrue();
            assertThat(Math.abs(o.value())).isGreaterThan(300f);
        });
        var s = r.summaries().getFirst();
        assertThat(s.sameChannel()).isTrue();
        assertThat(s.samePosition()).isTrue();
        assertThat(s.firstTokenCount()).isEqualTo(3);
        assertThat(s.relativeSpread()).isLessThan(0.05);
    }

    @Test
    void withoutTheTriggeringTokenTheChannelIsOrdinary() {
        Model m = TinyModels.build(3, 3, 11, List.of(new TinyModels.Planted(1, 7, 20)));
        int[] noBos = {5, 6, 7, 8, 9};
        var r = Characterization.run(m, List.of(SuperWeight.at(1, 7, 20)), List.of(TinyModels.prompt(1, 6), noBos));
        assertThat(Math.abs(r.observations().get(1).value())).isLessThan(50f);
        var s = r.summaries().getFirst();
        assertThat(s.minMagnitude()).isLessThan(50);
        assertThat(s.maxMagnitude()).isGreaterThan(300);
        assertThat(s.relativeSpread()).isGreaterThan(0.5);
    }
}
