package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The int8 wrapper changes only the products of the forward pass: its name, type, shape, elements, rows and float
 * dots are the wrapped tensor's (the scalar reference the kernel tests trust), and wrapping twice wraps once.
 */
class Int8KernelTensorAccessTest {
    @Test
    void elementAccessIsTheWrappedTensors() {
        Random r = new Random(23);
        StoredTensor q = Int8KernelsTest.randomTensor("Q4_K", 3, 512, r);
        Tensor view = RowView.gather("picked", q, new long[]{2, 0});
        Tensor wrapped = Int8KernelTensor.over(view);
        assertThat(wrapped).isInstanceOf(Int8KernelTensor.class);
        assertThat(Int8KernelTensor.over(wrapped)).isSameAs(wrapped);
        assertThat(wrapped.dtype()).isEqualTo("Q4_K");
        assertThat(wrapped.name()).isEqualTo("picked");
        assertThat(wrapped.rows()).isEqualTo(2);
        assertThat(wrapped.cols()).isEqualTo(512);
        float[] x = new float[512 + 5];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int row = 0; row < 2; row++) {
            long source = row == 0 ? 2 : 0;
            float[] got = new float[512 + 1];
            wrapped.readRow(row, got, 1);
            float[] want = q.row(source);
            for (int c = 0; c < 512; c++) {
                assertThat(got[1 + c]).isEqualTo(want[c]);
                assertThat(wrapped.get(row, c)).isEqualTo(q.get(source, c));
            }
            assertThat(wrapped.dot(row, x, 5)).isEqualTo(q.dot(source, x, 5));
        }
    }
}
