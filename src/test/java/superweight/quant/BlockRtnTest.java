package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;
import superweight.model.tensor.BlockCodesTensor;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Block RTN and clipping against hand computations (the expected numbers are worked out in the comments). */
class BlockRtnTest {
    private static WeightScheme scheme(String weights, String block, RaggedBlocks ragged, String clip) {
        return new WeightScheme(weights, BlockSize.parse(block), ragged, ClipRule.parse(clip), Float.NaN, false);
    }

    private static float[] quantized(float[] values, int rows, String weights, String block, RaggedBlocks ragged, String clip) {
        Tensor t = F32Tensor.of("w", rows, values.length / rows, values);
        WeightScheme s = scheme(weights, block, ragged, clip);
        Tensor q = WeightQuantizer.quantize(t, WeightQuantizer.statistics(t, s), s.codeBook());
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) q.readRow(r, out, r * t.cols());
        for (int r = 0; r < rows; r++) for (int c = 0; c < t.cols(); c++) assertThat(q.get(r, c)).isEqualTo(out[r * t.cols() + c]);
        return out;
    }

    @Test
    void valuesOnTheGridComeBackExactly() {
        // int4, min -0.5, max 7: s = 15 / 7.5 = 2, so -0.5 + k/2 is code k and decodes exactly
        float[] w = new float[16];
        for (int k = 0; k < 16; k++) w[k] = -0.5f + k / 2f;
        float[] shuffled = {w[3], w[15], w[0], w[7], w[1], w[2], w[4], w[5], w[6], w[8], w[9], w[10], w[11], w[12], w[13], w[14]};
        assertThat(quantized(shuffled, 2, "int4", "tensor", RaggedBlocks.WHOLE, "none")).containsExactly(shuffled);
        assertThat(quantized(shuffled, 2, "int8", "tensor", RaggedBlocks.WHOLE, "none")).isNotEqualTo(new float[16]).containsExactly(shuffled);
    }

    @Test
    void tiesRoundHalfToEven() {
        // int4 over [0, 15]: s = 1, so x.5 rounds to the even neighbour: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, 3.5 -> 4, 14.5 -> 14
        float[] w = {0, 15, 0.5f, 1.5f, 2.5f, 3.5f, 14.5f, 7.25f};
        assertThat(quantized(w, 1, "int4", "tensor", RaggedBlocks.WHOLE, "none")).containsExactly(0, 15, 0, 2, 2, 4, 14, 7);
        // the fake-quant path (3 bits over [0, 7]) rounds the same way
        float[] v = {0, 7, 0.5f, 1.5f, 2.5f, 6.5f};
        assertThat(quantized(v, 1, "int3", "tensor", RaggedBlocks.WHOLE, "none")).containsExactly(0, 7, 0, 2, 2, 6);
    }

    @Test
    void errorIsAtMostHalfAStepInEveryBlock() {
        Random rnd = new Random(7);
        int rows = 7, cols = 13;   // 91 elements in blocks of 20 with a short last block (ragged last)
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (String bits : List.of("int2", "int3", "int4", "int8")) {
            int levels = (1 << Integer.parseInt(bits.substring(3))) - 1;
            float[] q = quantized(w, rows, bits, "20", RaggedBlocks.LAST, "none");
            for (int b = 0; b * 20 < w.length; b++) {
                float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                for (int i = b * 20; i < Math.min(w.length, b * 20 + 20); i++) {
                    min = Math.min(min, w[i]);
                    max = Math.max(max, w[i]);
                }
                double step = (max - min) / levels;
                for (int i = b * 20; i < Math.min(w.length, b * 20 + 20); i++) {
                    assertThat((double) Math.abs(q[i] - w[i])).as("%s element %d", bits, i).isLessThanOrEqualTo(step / 2 * (1 + 1e-5) + 1e-7);
                    assertThat(q[i]).isBetween(min - 1e-6f, max + 1e-6f);
                }
            }
        }
    }

    @Test
    void raggedBlocksAreTheWholeTensorByDefaultOrAShortLastBlock() {
        // 12 elements, B = 5: whole -> one block [-6, 5]; last -> blocks [0..4], [5..9], [10..11]
        float[] w = {0, 1, 2, 3, 4, 5, -6, 0.5f, 1, 2, 3, 3.5f};
        Tensor t = F32Tensor.of("w", 3, 4, w);
        BlockStatistics whole = WeightQuantizer.statistics(t, scheme("int4", "5", RaggedBlocks.WHOLE, "none"));
        assertThat(whole.layout().wholeFallback()).isTrue();
        assertThat(whole.min()).containsExactly(-6f);
        assertThat(whole.max()).containsExactly(5f);
        BlockStatistics last = WeightQuantizer.statistics(t, scheme("int4", "5", RaggedBlocks.LAST, "none"));
        assertThat(last.layout().wholeFallback()).isFalse();
        assertThat(last.min()).containsExactly(0f, -6f, 3f);
        assertThat(last.max()).containsExactly(4f, 5f, 3.5f);
        // B = 6 divides 12: two blocks crossing the row boundary at element 4
        BlockStatistics even = WeightQuantizer.statistics(t, scheme("int4", "6", RaggedBlocks.WHOLE, "none"));
        assertThat(even.min()).containsExactly(0f, -6f);
        assertThat(even.max()).containsExactly(5f, 3.5f);
        // channel = one block per row of 4
        BlockStatistics channel = WeightQuantizer.statistics(t, scheme("int4", "channel", RaggedBlocks.WHOLE, "none"));
        assertThat(channel.min()).containsExactly(0f, -6f, 1f);
        assertThat(channel.max()).containsExactly(3f, 5f, 3.5f);
    }

    @Test
    void aConstantBlockIsReturnedUnchanged() {
        // blocks of 4: the second is constant (the reference would divide by zero there)
        float[] w = {0, 1, 2, 3, 0.3f, 0.3f, 0.3f, 0.3f};
        float[] q = quantized(w, 2, "int4", "4", RaggedBlocks.WHOLE, "none");
        assertThat(q).containsExactly(0, 1, 2, 3, 0.3f, 0.3f, 0.3f, 0.3f);
        assertThat(quantized(w, 2, "nf3", "4", RaggedBlocks.WHOLE, "none")).endsWith(0.3f, 0.3f, 0.3f, 0.3f);
    }

    @Test
    void tensorPercentageClampsAtTheKthLargestMagnitude() {
        // numel 10, p = 0.2: k = max(int(10 * 0.2), 1) = 2; |w| descending 10, 9, ... so t = 9 and -10 becomes -9
        float[] w = {1, -10, 2, 3, 9, -4, 5, 6, 7, 8};
        Tensor t = F32Tensor.of("w", 2, 5, w);
        BlockStatistics s = WeightQuantizer.statistics(t, scheme("int8", "5", RaggedBlocks.WHOLE, "tp:0.2"));
        assertThat(s.threshold()).containsExactly(9f, 9f);
        assertThat(s.min()).containsExactly(-9f, -4f);
        assertThat(s.max()).containsExactly(9f, 8f);
        assertThat(s.clipped()).isEqualTo(1);
        // int4 over [-9, 9] (s = 15 / 18): the clamped -10 decodes to exactly -9
        assertThat(quantized(w, 2, "int4", "5", RaggedBlocks.WHOLE, "tp:0.2")[1]).isEqualTo(-9f);
    }

    @Test
    void blockPercentageUsesKOfEachBlockAndFallsBackToTheTensorRule() {
        // B = 5, p = 0.3: k = max(int(5 * 0.3 + 1), 1) = 2 per block: block 0 |w| {1,10,2,3,9} -> 9; block 1 {4,5,6,7,8} -> 7
        float[] w = {1, -10, 2, 3, 9, -4, 5, 6, 7, 8};
        Tensor t = F32Tensor.of("w", 2, 5, w);
        BlockStatistics s = WeightQuantizer.statistics(t, scheme("int8", "5", RaggedBlocks.WHOLE, "bp:0.3"));
        assertThat(s.threshold()).containsExactly(9f, 7f);
        assertThat(s.max()).containsExactly(9f, 7f);
        assertThat(s.min()).containsExactly(-9f, -4f);
        // B = 4 does not divide 10: the reference's tensor rule, k = max(int(10 * 0.3), 1) = 3 (no +1): t = 8
        BlockStatistics f = WeightQuantizer.statistics(t, scheme("int8", "4", RaggedBlocks.WHOLE, "bp:0.3"));
        assertThat(f.threshold()).containsExactly(8f);
        // with --ragged-blocks last the block rule stays: blocks {1,10,2,3} k=2 -> 3; {9,4,5,6} -> 6; {7,8}: k = int(0.6+1) = 1 -> 8
        BlockStatistics l = WeightQuantizer.statistics(t, scheme("int8", "4", RaggedBlocks.LAST, "bp:0.3"));
        assertThat(l.threshold()).containsExactly(3f, 6f, 8f);
    }

    @Test
    void zScoreClampsAtMeanPlusZUnbiasedStd() {
        // |w| = 1, 2, 3, 4: mean 2.5, unbiased std sqrt(5/3) = 1.2909944; z = 1 -> t = 3.7909944
        float[] w = {1, -2, 3, -4};
        Tensor t = F32Tensor.of("w", 1, 4, w);
        BlockStatistics s = WeightQuantizer.statistics(t, scheme("int8", "tensor", RaggedBlocks.WHOLE, "z:1"));
        assertThat(s.threshold()[0]).isCloseTo(3.7909944f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(s.min()[0]).isEqualTo(-s.threshold()[0]);
        assertThat(s.max()[0]).isEqualTo(3f);
        assertThat(s.clipped()).isEqualTo(1);
    }

    @Test
    void normalFloatRoundsToTheNearestLevel() {
        // nf4 over [-1, 1]: s = 2 / 2 = 1, x = w - (-1) - 1 = w; levels are returned exactly (1e-7 of float slack)
        float[] w = {-1, 1, 0, 0.5626170039176941f, -0.09105003625154495f, 0.03f, 0.05f, 0.9f};
        float[] q = quantized(w, 1, "nf4", "tensor", RaggedBlocks.WHOLE, "none");
        float[] expected = {-1, 1, 0, 0.5626170039176941f, -0.09105003625154495f, 0, 0.07958029955625534f, 1};
        for (int i = 0; i < w.length; i++) assertThat(q[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
        // nf3: 0.09 lies nearer 0.1833375 than 0 (midpoint 0.0917)? no: |0.09 - 0| = 0.09 < 0.0933 -> 0
        float[] v = {-1, 1, 0.09f, 0.1f, -0.4f};
        float[] q3 = quantized(v, 1, "nf3", "tensor", RaggedBlocks.WHOLE, "none");
        assertThat(q3[2]).isCloseTo(0f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(q3[3]).isCloseTo(0.1833375245332718f, org.assertj.core.data.Offset.offset(1e-6f));
        // -0.4: |-0.4 + 0.5350227| = 0.135 vs |-0.4 + 0.2469314| = 0.153 -> -0.5350227
        assertThat(q3[4]).isCloseTo(-0.5350227355957031f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void packedCodesAgreeWithTheFormulaOnOddSizes() {
        Random rnd = new Random(3);
        int rows = 9, cols = 37;   // 333 elements, blocks of 50 crossing rows, a short last block
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * 0.1f;
        for (int bits : new int[]{4, 8}) {
            float[] q = quantized(w, rows, "int" + bits, "50", RaggedBlocks.LAST, "none");
            for (int b = 0; b * 50 < w.length; b++) {
                int from = b * 50, to = Math.min(w.length, from + 50);
                float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                for (int i = from; i < to; i++) {
                    min = Math.min(min, w[i]);
                    max = Math.max(max, w[i]);
                }
                float s = ((1 << bits) - 1) / (max - min);
                for (int i = from; i < to; i++) assertThat(q[i]).isEqualTo((float) Math.rint((w[i] - min) * s) / s + min);
            }
        }
        Tensor t = F32Tensor.of("w", rows, cols, w);
        WeightScheme s4 = scheme("int4", "50", RaggedBlocks.LAST, "none");
        Tensor packed = WeightQuantizer.quantize(t, WeightQuantizer.statistics(t, s4), s4.codeBook());
        assertThat(packed).isInstanceOf(BlockCodesTensor.class);
        assertThat(((BlockCodesTensor) packed).bytes()).isEqualTo((333 + 1) / 2 + 7 * 8);
    }

    @Test
    void badSchemesAreRefused() {
        assertThatThrownBy(() -> WeightScheme.codeBook("int9")).isInstanceOf(SuperweightException.class).hasMessageContaining("--weights");
        assertThatThrownBy(() -> ClipRule.parse("bp:2")).isInstanceOf(SuperweightException.class).hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> ClipRule.parse("q:1")).isInstanceOf(SuperweightException.class);
        assertThatThrownBy(() -> BlockSize.parse("abc")).isInstanceOf(SuperweightException.class).hasMessageContaining("--block");
    }
}
