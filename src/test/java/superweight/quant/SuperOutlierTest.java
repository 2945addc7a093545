package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.analysis.SuperWeight;
import superweight.model.arch.Linear;
import superweight.model.arch.ModelConfig;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a super weight W[j, k] of layer L puts its outliers among the linear inputs, scope by scope. */
class SuperOutlierTest {
    private static ModelConfig config(int layers, boolean gated) {
        return new ModelConfig("llama", 64, 176, layers, 4, 2, 16, 320, 256, 10000, 16, null, ModelConfig.Norm.RMS, 1e-5,
                ModelConfig.Activation.SILU, gated, false, false, false, Float.NaN, 1f, false, 1, 2);
    }

    @Test
    void downInputIsTheSuperWeightsColumnInItsOwnLayer() {
        assertThat(SuperOutlier.of(List.of(SuperWeight.at(1, 27, 121)), config(4, true), SuperOutlier.Scope.DOWN_INPUT))
                .containsExactly(new SuperOutlier(1, Linear.DOWN, 121));
    }

    @Test
    void residualIsTheRowsChannelInEveryLaterAttentionAndMlpInput() {
        List<SuperOutlier> r = SuperOutlier.of(List.of(SuperWeight.at(1, 27, 121)), config(3, true), SuperOutlier.Scope.RESIDUAL);
        assertThat(r).containsExactly(new SuperOutlier(2, Linear.Q, 27), new SuperOutlier(2, Linear.K, 27), new SuperOutlier(2, Linear.V, 27),
                new SuperOutlier(2, Linear.GATE, 27), new SuperOutlier(2, Linear.UP, 27));
        // ungated MLPs (GPT-NeoX) have no gate input; the last layer's super weight has no later layers
        assertThat(SuperOutlier.of(List.of(SuperWeight.at(0, 5, 9)), config(2, false), SuperOutlier.Scope.RESIDUAL))
                .containsExactly(new SuperOutlier(1, Linear.Q, 5), new SuperOutlier(1, Linear.K, 5), new SuperOutlier(1, Linear.V, 5),
                        new SuperOutlier(1, Linear.UP, 5));
        assertThat(SuperOutlier.of(List.of(SuperWeight.at(2, 5, 9)), config(3, true), SuperOutlier.Scope.RESIDUAL)).isEmpty();
    }

    @Test
    void allIsBothInLayerOrderWithoutDuplicates() {
        // two super weights on the same row (Llama-13B has such a pair) share their residual outliers
        List<SuperOutlier> r = SuperOutlier.of(List.of(SuperWeight.at(1, 27, 121), SuperWeight.at(1, 27, 7)), config(3, true),
                SuperOutlier.Scope.ALL);
        assertThat(r).containsExactly(new SuperOutlier(1, Linear.DOWN, 7), new SuperOutlier(1, Linear.DOWN, 121),
                new SuperOutlier(2, Linear.Q, 27), new SuperOutlier(2, Linear.K, 27), new SuperOutlier(2, Linear.V, 27),
                new SuperOutlier(2, Linear.GATE, 27), new SuperOutlier(2, Linear.UP, 27));
        assertThat(r.get(0).key()).isEqualTo("1:down:7");
    }
}
