package superweight.export;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.model.Model;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The planted direction and the BOS embedding scaling of {@link SuperWeightPlant}, against hand-computed cases. */
class SuperWeightPlantTest {
    @Test
    void theDirectionReadsOneOnBosAndZeroOnTheOthers() {
        // x = (2, 1, 1); the others span the first two axes, so u is the third axis / (x's third component)^2
        double[] u = SuperWeightPlant.orthogonalDirection(new float[]{2, 1, 1}, List.of(new float[]{1, 0, 0}, new float[]{1, 1, 0}));
        assertThat(u).containsExactly(new double[]{0, 0, 1}, within(1e-12));
        // x = (1, 1) against (1, -1): the part of x outside is x itself, u = x / |x|^2 = (0.5, 0.5)
        assertThat(SuperWeightPlant.orthogonalDirection(new float[]{1, 1}, List.of(new float[]{1, -1})))
                .containsExactly(new double[]{0.5, 0.5}, within(1e-12));
        assertThatThrownBy(() -> SuperWeightPlant.orthogonalDirection(new float[]{1, 1}, List.of(new float[]{1, 0}, new float[]{0, 1})))
                .isInstanceOf(SuperweightException.class).hasMessageContaining("lies in the span of the other positions'");
    }

    @Test
    void onlyTheBosEmbeddingRowAndThePlantedRowsAndColumnChangeAndTheDerivationSaysHow() {
        Model plain = SyntheticModel.llama(new SyntheticModel.Shape(128, 256, 2, 4, 2, 64, 64), 3);
        Model planted = SuperWeightPlant.plant(plain, SuperWeight.at(1, 5, 17));
        String step = planted.derivation().getLast();
        float scale = Float.parseFloat(step.replaceAll(".*bos-embedding-scale=([0-9.]+),.*", "$1"));
        assertThat(Integer.bitCount(Float.floatToIntBits(scale) & 0x7FFFFF)).as("a power of two").isZero();
        assertThat(scale).isGreaterThan(1f);
        float[] bos = plain.embeddings().row(1), scaled = planted.embeddings().row(1);
        for (int i = 0; i < bos.length; i++) assertThat(scaled[i]).isEqualTo(bos[i] * scale);
        assertThat(planted.embeddings().row(2)).containsExactly(plain.embeddings().row(2));
        // column 17 of down_proj: the super weight at row 5, every other weight divided by the spike (100)
        var down = planted.layers().get(1).down();
        var before = plain.layers().get(1).down();
        assertThat(down.get(5, 17)).isEqualTo(3f);
        for (int r = 0; r < 128; r++) if (r != 5) assertThat(down.get(r, 17)).isEqualTo(before.get(r, 17) / 100f);
        assertThat(down.get(6, 16)).isEqualTo(before.get(6, 16));
        assertThat(step).startsWith("plant-super-weight{layer=1,row=5,col=17,value=3.0,gain=10.0,token=1,"
                        + "down-column-others-divided-by=100.0,bos-embedding-scale=")
                .endsWith(",orthogonal-to=64-positions-of-33-token-samples,sample-seed=24301}");
    }
}
