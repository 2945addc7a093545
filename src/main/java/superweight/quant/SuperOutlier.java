package superweight.quant;

import superweight.analysis.SuperWeight;
import superweight.model.arch.Linear;
import superweight.model.arch.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * A super outlier among the inputs of one linear layer: input channel {@code channel} of {@code linear} in
 * {@code layer}, at whichever token carries it in the sequence being computed (found per call as the token with
 * the largest |x[token, channel]|).
 */
public record SuperOutlier(int layer, Linear linear, int channel) {
    /** Which linear inputs hold the super activation of a super weight W[j, k] of layer L's down projection. */
    public enum Scope {
        /** The massive intermediate activation: layer L's down_proj input at column k. */
        DOWN_INPUT,
        /** The super activation in the residual stream: channel j of every later layer's q/k/v and gate/up inputs. */
        RESIDUAL,
        /** Both. */
        ALL
    }

    public String key() {
        return layer + ":" + linear.name().toLowerCase() + ":" + channel;
    }

    /** The outliers a list of super weights puts into the linear inputs, in (layer, linear, channel) order. */
    public static List<SuperOutlier> of(List<SuperWeight> superWeights, ModelConfig config, Scope scope) {
        List<SuperOutlier> out = new ArrayList<>();
        for (SuperWeight sw : superWeights) {
            if (scope != Scope.RESIDUAL) add(out, new SuperOutlier(sw.layer(), Linear.DOWN, sw.col()));
            if (scope == Scope.DOWN_INPUT) continue;
            for (int l = sw.layer() + 1; l < config.layers(); l++) {
                for (Linear lin : List.of(Linear.Q, Linear.K, Linear.V, Linear.GATE, Linear.UP)) {
                    if (lin == Linear.GATE && !config.gatedMlp()) continue;
                    add(out, new SuperOutlier(l, lin, sw.row()));
                }
            }
        }
        out.sort(java.util.Comparator.comparingInt(SuperOutlier::layer).thenComparing(SuperOutlier::linear)
                .thenComparingInt(SuperOutlier::channel));
        return List.copyOf(out);
    }

    private static void add(List<SuperOutlier> list, SuperOutlier o) {
        if (!list.contains(o)) list.add(o);
    }
}
