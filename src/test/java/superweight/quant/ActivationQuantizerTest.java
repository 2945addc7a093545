package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.model.arch.Linear;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The activation fake quantizer against values worked out by hand (scales chosen to be exact in float32). */
class ActivationQuantizerTest {
    private static final Set<Linear> ALL = EnumSet.allOf(Linear.class);
    private static final ActivationQuantizer.Granularity TENSOR = ActivationQuantizer.Granularity.PER_TENSOR;
    private static final ActivationQuantizer.Granularity TOKEN = ActivationQuantizer.Granularity.PER_TOKEN;

    private static ActivationQuantizer quantizer(ActivationQuantizer.Granularity g, List<SuperOutlier> outliers) {
        return new ActivationQuantizer(8, g, ALL, outliers, null, Map.of());
    }

    @Test
    void absmaxRoundsHalfToEvenOnTheInt8Grid() {
        // absmax 127 -> scale exactly 1: x / scale is x itself, so the codes are rint(x) with ties to even.
        float[] x = {127f, -63.5f, 0.5f, 1.5f, 2.5f, -0.49f, 126.7f, -127f};
        quantizer(TENSOR, List.of()).apply(0, Linear.Q, x, 1, 8);
        assertThat(x).containsExactly(127f, -64f, 0f, 2f, 2f, -0f, 127f, -127f);
    }

    @Test
    void valuesAlreadyOnTheGridComeBackExactly() {
        // scale 1/64: every multiple of 1/64 up to 127/64 is a code and must survive unchanged
        float[] x = new float[255];
        for (int i = 0; i < x.length; i++) x[i] = (i - 127) / 64f;
        float[] copy = x.clone();
        quantizer(TENSOR, List.of()).apply(0, Linear.UP, x, 5, 51);
        assertThat(x).containsExactly(copy);
    }

    @Test
    void perTensorSharesOneScalePerTokenDoesNot() {
        float[] perTensor = {127f, 1.5f, 1f, 0.75f};
        float[] perToken = perTensor.clone();
        quantizer(TENSOR, List.of()).apply(0, Linear.DOWN, perTensor, 2, 2);
        quantizer(TOKEN, List.of()).apply(0, Linear.DOWN, perToken, 2, 2);
        // per tensor: scale 1 for both rows, 0.75 -> 1
        assertThat(perTensor).containsExactly(127f, 2f, 1f, 1f);
        // per token: row 1 has absmax 1 -> scale 1/127; 0.75 * 127 = 95.25 -> 95
        assertThat(perToken[2]).isEqualTo(127 * (1f / 127f));
        assertThat(perToken[3]).isEqualTo(95 * (1f / 127f));
    }

    @Test
    void theSuperOutlierIsReplacedByTheMedianForTheScaleAndRestoredBitForBit() {
        // 3 tokens x 4 channels; channel 2 of token 1 is the outlier. The rest has absmax 127/64 -> scale 1/64.
        float sa = 1000.1234f;
        float[] x = {
                0.5f, 3 / 128f, -1 / 128f, 127 / 64f,
                -0.25f, 0.1f, sa, 1 / 64f,
                0f, -127 / 64f, 5 / 128f, 0.3f};
        float[] naive = x.clone();
        quantizer(TENSOR, List.of(new SuperOutlier(4, Linear.DOWN, 2))).apply(4, Linear.DOWN, x, 3, 4);
        assertThat(Float.floatToRawIntBits(x[6])).isEqualTo(Float.floatToRawIntBits(sa));
        float s = 1 / 64f;
        assertThat(x).containsExactly(
                32 * s, 2 * s, -0f * s, 127 * s,
                -16 * s, 6 * s, sa, 1 * s,
                0f, -127 * s, 2 * s, 19 * s);
        // Without replace/restore the outlier sets the scale (1000.1234 / 127 = 7.87): everything else collapses to 0.
        quantizer(TENSOR, List.of()).apply(4, Linear.DOWN, naive, 3, 4);
        for (int i = 0; i < naive.length; i++) if (i != 6) assertThat(naive[i]).as("element %d", i).isZero();
    }

    @Test
    void outliersApplyOnlyToTheirLayerAndLinear() {
        float[] x = {0.5f, 1000f, 127 / 64f, 0f};
        float[] other = x.clone();
        ActivationQuantizer q = quantizer(TENSOR, List.of(new SuperOutlier(1, Linear.DOWN, 1)));
        q.apply(2, Linear.DOWN, other, 2, 2);   // another layer: the outlier sets the scale there
        assertThat(other[0]).isZero();
        q.apply(1, Linear.DOWN, x, 2, 2);
        assertThat(x).containsExactly(0.5f, 1000f, 127 / 64f, 0f);
    }

    @Test
    void thePreparationStepLeavesTheLowerMedianInPlace() {
        // 2 tokens x 3 channels: the outlier at channel 0 is on token 1 (largest |x| in that column).
        float[] x = {2f, 9f, -4f, -50f, 1f, 7f};
        quantizer(TENSOR, List.of(new SuperOutlier(0, Linear.Q, 0))).preparation().apply(0, Linear.Q, x, 2, 3);
        // values sorted: -50 -4 1 2 7 9 -> rank (6 - 1) / 2 = 2 -> 1 (torch.median: the lower middle value)
        assertThat(x).containsExactly(2f, 9f, -4f, 1f, 1f, 7f);
    }

    @Test
    void lowerMedianAndTokenSearch() {
        assertThat(ActivationQuantizer.lowerMedian(new float[]{5, 1, 4, 2}, 0, 4)).isEqualTo(2f);
        assertThat(ActivationQuantizer.lowerMedian(new float[]{3, 1, 2}, 0, 3)).isEqualTo(2f);
        assertThat(ActivationQuantizer.lowerMedian(new float[]{9, 9, 7, 1, 8}, 1, 3)).isEqualTo(7f);
        float[] big = new float[1001];
        for (int i = 0; i < big.length; i++) big[i] = (i * 7919) % 1001;   // a permutation of 0..1000
        assertThat(ActivationQuantizer.lowerMedian(big, 0, big.length)).isEqualTo(500f);
        assertThat(ActivationQuantizer.tokenOf(new float[]{1, 0, -3, 0, 2, 0}, 3, 2, 0)).isEqualTo(1);
    }

    @Test
    void staticScalesSaturateOutsideTheCalibratedRange() {
        float[] x = {3f, 0.5f};
        new ActivationQuantizer(8, TENSOR, ALL, List.of(), Map.of(ActivationQuantizer.slot(0, Linear.O), 1f), Map.of())
                .apply(0, Linear.O, x, 1, 2);
        float s = 1f / 127;
        assertThat(x).containsExactly(127 * s, 64 * s);   // 0.5 * 127 = 63.5 -> 64 (even)
        assertThatThrownBy(() -> new ActivationQuantizer(8, TOKEN, ALL, List.of(), Map.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void explicitDivisorsApplyBeforeQuantizing() {
        float[] x = {254f, 2f};
        new ActivationQuantizer(8, TENSOR, ALL, List.of(), null, Map.of(ActivationQuantizer.slot(3, Linear.GATE), new float[]{2f, 0.5f}))
                .apply(3, Linear.GATE, x, 1, 2);
        assertThat(x).containsExactly(127f, 4f);
    }

    @Test
    void linearsOutsideTheSchemeAreLeftAlone() {
        float[] x = {0.3f, 100f};
        new ActivationQuantizer(8, TENSOR, EnumSet.of(Linear.Q), List.of(), null, Map.of()).apply(0, Linear.DOWN, x, 1, 2);
        assertThat(x).containsExactly(0.3f, 100f);
    }

    @Test
    void everyParameterChangesTheKey() {
        List<SuperOutlier> sa = List.of(new SuperOutlier(1, Linear.DOWN, 121));
        List<String> keys = List.of(
                quantizer(TENSOR, List.of()).key(),
                quantizer(TOKEN, List.of()).key(),
                quantizer(TENSOR, sa).key(),
                quantizer(TENSOR, List.of(new SuperOutlier(1, Linear.DOWN, 122))).key(),
                new ActivationQuantizer(6, TENSOR, ALL, List.of(), null, Map.of()).key(),
                new ActivationQuantizer(8, TENSOR, EnumSet.of(Linear.DOWN), List.of(), null, Map.of()).key(),
                new ActivationQuantizer(8, TENSOR, ALL, List.of(), Map.of(0L, 1f), Map.of()).key(),
                new ActivationQuantizer(8, TENSOR, ALL, List.of(), Map.of(0L, 2f), Map.of()).key(),
                new ActivationQuantizer(8, TENSOR, ALL, List.of(), null, Map.of(0L, new float[]{1f})).key(),
                new ActivationQuantizer(8, TENSOR, ALL, List.of(), null, Map.of(0L, new float[]{2f})).key());
        assertThat(keys).doesNotHaveDuplicates();
        assertThat(quantizer(TENSOR, sa).key()).isEqualTo(quantizer(TENSOR, List.of(new SuperOutlier(1, Linear.DOWN, 121))).key());
    }

    @Test
    void perTokenReplacementTakesTheMedianOfTheOutliersOwnToken() {
        // token 1 holds the outlier; its row without it has absmax 127/64 -> scale 1/64 for that token only
        float[] x = {1f, 1f, 1f, 500f, 127 / 64f, -3 / 128f};
        quantizer(TOKEN, List.of(new SuperOutlier(0, Linear.UP, 0))).apply(0, Linear.UP, x, 2, 3);
        assertThat(x).containsExactly(1f, 1f, 1f, 500f, 127 / 64f, -2 / 64f);
        float[] prepared = {1f, 1f, 1f, 500f, 127 / 64f, -3 / 128f};
        quantizer(TOKEN, List.of(new SuperOutlier(0, Linear.UP, 0))).preparation().apply(0, Linear.UP, prepared, 2, 3);
        // the lower median of token 1's {500, 127/64, -3/128} is 127/64; of the whole input it would be 1
        assertThat(prepared[3]).isEqualTo(127 / 64f);
    }

    @Test
    void bitsOutsideTwoToEightAreRefusedAndFewerBitsMeanFewerLevels() {
        assertThatThrownBy(() -> new ActivationQuantizer(1, TENSOR, ALL, List.of(), null, Map.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ActivationQuantizer(9, TENSOR, ALL, List.of(), null, Map.of())).isInstanceOf(IllegalArgumentException.class);
        float[] x = {3f, 1.4f, -2.6f};   // 2 bits: q_max 1, scale 3: codes 1, 0, -1
        new ActivationQuantizer(2, TENSOR, ALL, List.of(), null, Map.of()).apply(0, Linear.K, x, 1, 3);
        assertThat(x).containsExactly(3f, 0f, -3f);
        float[] y = {7f, 2.5f};          // 4 bits: q_max 7, scale 1
        new ActivationQuantizer(4, TENSOR, ALL, List.of(), null, Map.of()).apply(0, Linear.K, y, 1, 2);
        assertThat(y).containsExactly(7f, 2f);
    }

    @Test
    void theFirstTokenWinsATie() {
        assertThat(ActivationQuantizer.tokenOf(new float[]{5, 0, -5, 0}, 2, 2, 0)).isZero();
    }
}
