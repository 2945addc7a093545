package superweight.analysis;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;
import superweight.analysis.Candidate.Kind;
import superweight.analysis.Candidate.ResidualValue;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The evidence rules at their documented boundaries: share and persistence of at least 0.5, second half of the net. */
class CandidateRulesTest {
    @Test
    void classifyAtTheBoundaries() {
        assertThat(Candidate.classify(1, 4, true, 0.5, 0.5)).isEqualTo(Kind.SUPER_WEIGHT);
        assertThat(Candidate.classify(1, 4, true, 0.4999, 1)).isEqualTo(Kind.UNEXPLAINED);
        assertThat(Candidate.classify(1, 4, true, 1, 0.4999)).isEqualTo(Kind.UNEXPLAINED);
        assertThat(Candidate.classify(2, 4, false, 1, 1)).isEqualTo(Kind.LATE_LAYER_SPIKE);  // layer 2 of 4: second half
        assertThat(Candidate.classify(1, 3, false, 1, 1)).isEqualTo(Kind.UNEXPLAINED);
        assertThat(Candidate.classify(2, 3, true, 0.1, 1)).isEqualTo(Kind.LATE_LAYER_SPIKE);
    }

    @Test
    void persistenceIsTheShareOfLaterLayersWhereZeroingRemovesAtLeastHalf() {
        assertThat(Candidate.persistence(List.of())).isZero();
        assertThat(new ResidualValue(2, 10f, 5f).removed()).isTrue();     // exactly half left
        assertThat(new ResidualValue(2, 10f, -5.01f).removed()).isFalse();
        assertThat(new ResidualValue(2, 0f, 0f).removed()).isFalse();     // nothing there to remove
        assertThat(Candidate.persistence(List.of(new ResidualValue(2, 10f, 1f), new ResidualValue(3, 10f, 9f),
                new ResidualValue(4, -8f, 0f), new ResidualValue(5, 1f, 1f)))).isEqualTo(0.5);
    }

    @Test
    void sameTokenComparesThePositionsOfBothSpikes() {
        LayerMaximum same = new LayerMaximum(1, 100f, 3, 7, 900f, 3, 2);
        LayerMaximum apart = new LayerMaximum(1, 100f, 3, 7, 900f, 4, 2);
        assertThat(new Candidate(SuperWeight.at(1, 2, 7), 1, same, 1, List.of(), 1, Kind.SUPER_WEIGHT).sameToken()).isTrue();
        assertThat(new Candidate(SuperWeight.at(1, 2, 7), 1, apart, 1, List.of(), 1, Kind.SUPER_WEIGHT).sameToken()).isFalse();
    }

    @Test
    void thePaperRuleIsStrictlyAboveItsThreshold() {
        DetectionRule.Paper paper = new DetectionRule.Paper(50);
        assertThat(paper.spikes(new LayerMaximum(0, 50f, 0, 0, 60f, 0, 0))).isFalse();
        assertThat(paper.spikes(new LayerMaximum(0, 60f, 0, 0, -50f, 0, 0))).isFalse();
        assertThat(paper.spikes(new LayerMaximum(0, -50.01f, 0, 0, 50.01f, 0, 0))).isTrue();
        assertThat(paper.label()).isEqualTo("paper (|in| and |out| > 50)");
        assertThat(new DetectionRule.Paper(1e9).label()).isEqualTo("paper (|in| and |out| > 1.0E9)");
        assertThat(new DetectionRule.Paper(2.5).label()).isEqualTo("paper (|in| and |out| > 2.5)");
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new DetectionRule.Paper(bad)).as("%s", bad).isInstanceOf(SuperweightException.class)
                    .hasMessageEndingWith(": must be a positive number");
        }
    }

    @Test
    void theRelativeRuleSpikesAtExactlyRTimesTheMedianOnBothSides() {
        DetectionRule.Relative r = new DetectionRule.Relative(100);
        // max / median: 200 / 2 = 100 exactly counts (">= R"); 199 / 2 = 99.5 on either side does not
        assertThat(r.spikes(new LayerMaximum(0, 200f, 0, 0, -300f, 0, 0, 2, 3))).isTrue();
        assertThat(r.spikes(new LayerMaximum(0, 199f, 0, 0, 300f, 0, 0, 2, 3))).isFalse();
        assertThat(r.spikes(new LayerMaximum(0, 200f, 0, 0, 298.5f, 0, 0, 2, 3))).isFalse();
        // it counts what spikes, without the evidence (only the evidence rule asks for it)
        assertThat(r.needsEvidence()).isFalse();
        assertThat(new DetectionRule.Paper(50).needsEvidence()).isFalse();
        for (double bad : new double[] {1, 0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new DetectionRule.Relative(bad)).as("%s", bad).isInstanceOf(SuperweightException.class)
                    .hasMessageEndingWith(": R must be a number above 1");
        }
    }
}
