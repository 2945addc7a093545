package superweight.analysis;

import superweight.engine.Interventions;

/**
 * The interventions to run one evaluated sequence with. Most conditions are the same for every sequence; restoring
 * the super activation is not, because where it sits (and its value) is read from that sequence's own unmodified run.
 */
@FunctionalInterface
public interface SequenceInterventions {
    Interventions forSequence(int[] tokens);

    static SequenceInterventions fixed(Interventions iv) {
        return tokens -> iv;
    }
}
