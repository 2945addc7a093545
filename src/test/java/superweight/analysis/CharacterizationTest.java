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

    @Test
    void summariesAreTheStatisticsOfTheirOwnChannelsObservations() {
        Model m = TinyModels.build(3, 3, 11, List.of(new TinyModels.Planted(1, 7, 20)));
        int[] noBos = {5, 6, 7, 8, 9};
        List<int[]> prompts = List.of(TinyModels.prompt(1, 6), noBos, TinyModels.prompt(4, 8));
        var r = Characterization.run(m, List.of(SuperWeight.at(1, 7, 20), SuperWeight.at(1, 3, 4)), prompts);
        assertThat(r.observations()).hasSize(6);
        assertThat(r.summaries()).hasSize(2);
        for (var s : r.summaries()) {
            var mine = r.observations().stream().filter(o -> o.channel() == s.channel()).toList();
            assertThat(mine).hasSize(3);
            double[] a = mine.stream().mapToDouble(o -> Math.abs(o.value())).toArray();
            double mean = (a[0] + a[1] + a[2]) / 3;
            double sd = Math.sqrt(((a[0] - mean) * (a[0] - mean) + (a[1] - mean) * (a[1] - mean) + (a[2] - mean) * (a[2] - mean)) / 3);
            assertThat(s.prompts()).isEqualTo(3);
            assertThat(s.meanMagnitude()).isCloseTo(mean, org.assertj.core.api.Assertions.within(1e-9 * mean));
            assertThat(s.minMagnitude()).isEqualTo(Math.min(a[0], Math.min(a[1], a[2])));
            assertThat(s.maxMagnitude()).isEqualTo(Math.max(a[0], Math.max(a[1], a[2])));
            assertThat(s.relativeSpread()).isCloseTo(sd / mean, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(s.layerMaximumCount()).isEqualTo((int) mine.stream().filter(Characterization.Observation::layerMaximum).count());
            assertThat(s.firstTokenCount()).isEqualTo((int) mine.stream().filter(o -> o.position() == 0).count());
            assertThat(s.positions().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
            for (var o : mine) assertThat(s.positions()).containsKey(o.position());
        }
    }

    @Test
    void noPromptsGiveEmptyStatistics() {
        Model m = TinyModels.build(3, 3, 11, List.of(new TinyModels.Planted(1, 7, 20)));
        var s = Characterization.run(m, List.of(SuperWeight.at(1, 7, 20)), List.of()).summaries().getFirst();
        assertThat(s.prompts()).isZero();
        assertThat(s.meanMagnitude()).isZero();
        assertThat(s.minMagnitude()).isZero();
        assertThat(s.relativeSpread()).isZero();
    }
}
