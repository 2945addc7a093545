package superweight.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Mean and CLS pooling and the L2 normalisation on hand-made hidden states; the declared mode read from 1_Pooling. */
class PoolingTest {
    @TempDir
    Path tmp;

    // three positions of width 2
    private static final float[] HIDDEN = {3, 4, 1, -2, 5, 7};

    @Test
    void meanAndClsPooling() {
        assertThat(Pooling.MEAN.pool(HIDDEN, 3, 2)).containsExactly(3f, 3f);
        assertThat(Pooling.MEAN.pool(HIDDEN, 2, 2)).containsExactly(2f, 1f);   // only the first n rows
        assertThat(Pooling.CLS.pool(HIDDEN, 3, 2)).containsExactly(3f, 4f);
    }

    @Test
    void embeddingsAreUnitLength() {
        float[] cls = Pooling.CLS.embed(HIDDEN, 3, 2);   // (3, 4) / 5
        assertThat(cls[0]).isCloseTo(0.6f, within(1e-7f));
        assertThat(cls[1]).isCloseTo(0.8f, within(1e-7f));
        float[] mean = Pooling.MEAN.embed(HIDDEN, 3, 2);   // (3, 3) / sqrt(18)
        assertThat(mean[0]).isCloseTo((float) (1 / Math.sqrt(2)), within(1e-7f));
        // a zero vector stays zero (torch's eps 1e-12 instead of a division by zero)
        assertThat(Pooling.MEAN.embed(new float[4], 2, 2)).containsExactly(0f, 0f);
        // a vector shorter than the eps is divided by the eps, not by its own length
        assertThat(Pooling.CLS.embed(new float[]{1e-13f, 0f}, 1, 2)[0]).isCloseTo(0.1f, within(1e-6f));
    }

    private Path folder(String json) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m" + System.nanoTime()));
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), json);
        return dir;
    }

    @Test
    void declaredModes() throws Exception {
        assertThat(Pooling.declared(tmp)).isNull();
        assertThat(Pooling.declared(folder("{\"pooling_mode_mean_tokens\": true, \"pooling_mode_cls_token\": false}"))).isEqualTo(Pooling.MEAN);
        assertThat(Pooling.declared(folder("{\"pooling_mode_cls_token\": true}"))).isEqualTo(Pooling.CLS);
        assertThatThrownBy(() -> Pooling.declared(folder("{\"pooling_mode_mean_tokens\": true, \"pooling_mode_max_tokens\": true}")))
                .isInstanceOf(SuperweightException.class).hasMessageEndingWith("1_Pooling/config.json: pooling_mode_max_tokens is not supported (mean or cls only)");
        assertThatThrownBy(() -> Pooling.declared(folder("{\"pooling_mode_cls_token\": true, \"pooling_mode_lasttoken\": true}")))
                .hasMessageEndingWith("pooling_mode_lasttoken is not supported (mean or cls only)");
        assertThatThrownBy(() -> Pooling.declared(folder("{\"pooling_mode_mean_tokens\": true, \"pooling_mode_cls_token\": true}")))
                .hasMessageEndingWith(": expected exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token");
        assertThatThrownBy(() -> Pooling.declared(folder("{}"))).hasMessageEndingWith(": expected exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token");
        assertThatThrownBy(() -> Pooling.declared(folder("{not json"))).isInstanceOf(SuperweightException.class).hasMessageContaining("cannot read JSON");
    }
}
