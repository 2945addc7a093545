package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-row symmetric int8 and column scaling against values worked out by hand. */
class Int8RowTensorTest {
    @Test
    void eachRowGetsItsOwnAbsmaxScaleAndRoundsHalfToEven() {
        // row 0: absmax 127 -> scale 1, codes rint(x); row 1: absmax 127/64 -> scale 1/64; row 2: zeros
        F32Tensor w = F32Tensor.of("w", 3, 4, new float[]{
                127f, -63.5f, 0.5f, 2.5f,
                127 / 64f, 3 / 128f, -1 / 128f, 0.3f,
                0f, 0f, 0f, 0f});
        Int8RowTensor q = Int8RowTensor.quantize(w);
        assertThat(q.scale(0)).isEqualTo(1f);
        assertThat(q.scale(1)).isEqualTo(1 / 64f);
        assertThat(q.scale(2)).isEqualTo(1e-5f / 127f);
        assertThat(new byte[]{q.code(0, 0), q.code(0, 1), q.code(0, 2), q.code(0, 3)}).containsExactly(127, -64, 0, 2);
        assertThat(new byte[]{q.code(1, 0), q.code(1, 1), q.code(1, 2), q.code(1, 3)}).containsExactly(127, 2, 0, 19);
        assertThat(q.row(1)).containsExactly(127 / 64f, 2 / 64f, 0f, 19 / 64f);
        assertThat(q.row(2)).containsExactly(0f, 0f, 0f, 0f);
        assertThat(q.get(0, 1)).isEqualTo(-64f);
        assertThat(q.dot(1, new float[]{64, 64, 64, 64}, 0)).isEqualTo(127 + 2 + 0 + 19);
        assertThat(q.dtype()).isEqualTo("I8_ROW");
    }

    @Test
    void columnScalingMultipliesEveryRowByTheSameFactors() {
        F32Tensor w = F32Tensor.of("w", 2, 3, new float[]{1, 2, 3, -4, 5, -6});
        ColumnScaledTensor s = new ColumnScaledTensor(w, new float[]{2f, 0.5f, -1f});
        assertThat(s.row(0)).containsExactly(2f, 1f, -3f);
        assertThat(s.row(1)).containsExactly(-8f, 2.5f, 6f);
        assertThat(s.get(1, 2)).isEqualTo(6f);
    }
}
