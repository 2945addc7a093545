package superweight.quant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.analysis.SuperWeight;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.tensor.BlockCodesTensor;
import superweight.model.tensor.EditedTensor;
import superweight.model.tensor.Tensor;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static superweight.quant.PlantedModels.COL;
import static superweight.quant.PlantedModels.INTERMEDIATE;
import static superweight.quant.PlantedModels.LAYER;
import static superweight.quant.PlantedModels.ROW;

/**
 * What the paper's method is about, on a planted model whose down-projection spans several 16384- and 65536-element
 * blocks (PlantedModels): naive RTN collapses the super weight's block, clipping alone destroys the super activation,
 * clip + restore keeps it and lowers the error of the other weights. Margins (measured on this model, seed 11) are
 * in the comments.
 */
class PlantedQuantTest {
    private static Model model;
    private static final List<SuperWeight> SW = List.of(new SuperWeight(LAYER, ROW, COL, PlantedModels.SUPER_WEIGHT));
    /** The SW's element lies in block (45 * 512 + 300) / 65536 = 0 at B = 65536, and block 1 is free of it. */
    private static final long SW_ELEMENT = (long) ROW * INTERMEDIATE + COL;

    @BeforeAll
    static void build() {
        model = PlantedModels.build(11);
    }

    private static WeightQuantizer.Result quantize(String clip, float restore) {
        return WeightQuantizer.apply(model, new WeightScheme("int4", BlockSize.parse("65536"), RaggedBlocks.WHOLE, ClipRule.parse(clip), restore, false), SW);
    }

    /** The super activation: down-projection output of the SW's layer at position 0, channel ROW. */
    private static float superActivation(Model m) {
        float[] sa = new float[1];
        Taps taps = new Taps() {
            @Override
            public void downProjOutput(int l, int start, float[] y, int n, int dim) {
                if (l == LAYER && start == 0) sa[0] = y[ROW];
            }
        };
        new Transformer(m).logits(PlantedModels.prompt(5, 8), taps, Interventions.NONE);
        return sa[0];
    }

    /** Root-mean-square reconstruction error and distinct values over the elements [from, to) of the down-projection except the SW. */
    private static double[] errorAndLevels(Model q, long from, long to) {
        Tensor orig = model.layers().get(LAYER).down(), quant = q.layers().get(LAYER).down();
        double sum = 0;
        long n = 0;
        Set<Float> levels = new HashSet<>();
        for (long e = from; e < to; e++) {
            if (e == SW_ELEMENT) continue;
            long r = e / INTERMEDIATE;
            int c = (int) (e % INTERMEDIATE);
            float v = quant.get(r, c);
            levels.add(v);
            double d = v - orig.get(r, c);
            sum += d * d;
            n++;
        }
        return new double[]{Math.sqrt(sum / n), levels.size()};
    }

    @Test
    void thePlantedModelHasASuperActivation() {
        // measured: 133.1
        assertThat(superActivation(model)).isGreaterThan(100f);
    }

    @Test
    void naiveRtnCollapsesTheSuperWeightsBlock() {
        Model rtn = quantize("none", Float.NaN).model();
        double[] swBlock = errorAndLevels(rtn, 0, 65536), otherBlock = errorAndLevels(rtn, 65536, 131072);
        // measured: the SW's block uses 2 levels for its 65535 other weights (step 0.14 for weights of std 0.02),
        // rmse 0.053 (larger than the weights themselves); the block without it uses all 16 levels, rmse 0.0032
        assertThat(swBlock[1]).isLessThanOrEqualTo(4);
        assertThat(otherBlock[1]).isEqualTo(16);
        assertThat(swBlock[0]).isGreaterThan(3 * otherBlock[0]);
        // the SW itself sits on the grid edge and survives naive RTN (it is the block maximum)
        assertThat(rtn.layers().get(LAYER).down().get(ROW, COL)).isCloseTo(PlantedModels.SUPER_WEIGHT, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(rtn.layers().get(LAYER).down()).isInstanceOf(BlockCodesTensor.class);
    }

    @Test
    void clippingWithoutRestoreDestroysTheSuperActivation() {
        float original = superActivation(model);
        float clipped = superActivation(quantize("z:9", Float.NaN).model());
        // measured: z = 9 clamps the SW to about 0.12, the super activation drops from 133.1 to 8.3
        assertThat(Math.abs(clipped)).isLessThan(0.15f * Math.abs(original));
    }

    @Test
    void clipAndRestoreKeepsTheSuperActivationAndLowersTheOtherWeightsError() {
        float original = superActivation(model);
        WeightQuantizer.Result r = quantize("z:9", 1f);
        Tensor down = r.model().layers().get(LAYER).down();
        assertThat(down).isInstanceOf(EditedTensor.class);
        assertThat(Float.floatToRawIntBits(down.get(ROW, COL))).isEqualTo(Float.floatToRawIntBits(PlantedModels.SUPER_WEIGHT));
        assertThat(r.restored()).hasSize(1);
        // measured: 118.8 against 133.1 unquantized (-10.8%) and 118.4 under naive RTN, which keeps the SW as its block's
        // maximum: what is lost is the other tensors' int4 error (layer 0's gate/up/down cost about 3% each), not the SW
        Model rtnModel = quantize("none", Float.NaN).model();
        assertThat(superActivation(r.model())).isCloseTo(original, org.assertj.core.data.Percentage.withPercentage(15))
                .isCloseTo(superActivation(rtnModel), org.assertj.core.data.Percentage.withPercentage(2));
        double[] rtn = errorAndLevels(rtnModel, 0, 65536), ours = errorAndLevels(r.model(), 0, 65536);
        // measured: rmse 0.053 -> 0.0043 and 2 -> 12 levels in the SW's block
        assertThat(ours[0]).isLessThan(rtn[0] / 5);
        assertThat(ours[1]).isGreaterThanOrEqualTo(10);
        // the rest of the SW's block keeps the clipped range: no value other than the SW exceeds the z threshold
        float t = WeightQuantizer.statistics(model.layers().get(LAYER).down(), new WeightScheme("int4", BlockSize.parse("65536"),
                RaggedBlocks.WHOLE, ClipRule.parse("z:9"), 1f, false)).threshold()[0];
        for (int c = 0; c < INTERMEDIATE; c++) if (c != COL) assertThat(Math.abs(down.get(ROW, c))).isLessThanOrEqualTo(t * 1.0001f);
    }

    @Test
    void blockSizesThatCutTheTensorGiveRealBlocks() {
        WeightQuantizer.Result r = WeightQuantizer.apply(model, new WeightScheme("int4", BlockSize.parse("16384"), RaggedBlocks.WHOLE,
                ClipRule.NONE, Float.NaN, false), List.of());
        var down = r.units().stream().filter(u -> u.name().equals("layers.1.down")).findFirst().orElseThrow();
        assertThat(down.blocks()).isEqualTo(8);
        assertThat(down.wholeFallback()).isFalse();
        assertThat(r.units()).hasSize(14).allSatisfy(u -> assertThat(u.wholeFallback()).isFalse());
        // 4-bit packed: half a byte per weight plus 8 bytes per block, a quarter of BF16 and then some
        assertThat(r.quantizedBytes()).isLessThan(r.bf16Bytes() / 3);
    }
}
