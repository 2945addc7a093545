package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GEMMs keep per-thread scratch buffers (packed panels, edge tiles) that grow with the shapes they meet. Every
 * other test runs on threads whose buffers earlier tests already grew; here each product runs on a new thread, one
 * kernel thread, with shapes growing in k, rows and positions, so a buffer sized or grown wrongly shows as a wrong
 * value or an exception. Expected values: the scalar transcription of llama.cpp's dots ({@link Int8KernelsTest})
 * and a double-precision dot of the decoded weights for the float GEMM.
 */
class KernelScratchTest {
    private static void onFreshThreadWithOneKernelThread(Runnable body) throws InterruptedException {
        int before = Parallel.threads();
        Parallel.useThreads(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try {
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            t.start();
            t.join();
        } finally {
            Parallel.useThreads(before);
        }
        if (failure.get() instanceof AssertionError e) throw e;
        if (failure.get() != null) throw new AssertionError("the product failed on a fresh thread", failure.get());
    }

    /** {rows, blocks, positions}: growing k, then a partial panel with more positions, then more rows. */
    private static final int[][] SHAPES = {{5, 1, 2}, {20, 3, 2}, {20, 3, 9}, {70, 4, 6}};

    @Test
    void int8ProductsOnAFreshThreadAsShapesGrow() throws InterruptedException {
        for (String type : new String[]{"Q8_0", "Q4_0", "Q4_1"}) {
            onFreshThreadWithOneKernelThread(() -> {
                Random r = new Random(type.hashCode());
                for (int[] shape : SHAPES) {
                    int rows = shape[0], blocks = shape[1], cols = 32 * blocks, n = shape[2];
                    StoredTensor t = Int8KernelsTest.randomTensor(type, rows, cols, r);
                    float[] x = Int8KernelsTest.activations(n, cols, r), out = new float[n * rows];
                    Int8KernelTensor fast = (Int8KernelTensor) Int8KernelTensor.over(t);
                    fast.matmul(x, n, out);
                    Q8Activations a = Q8Activations.quantize(fast.activationFormat(), x, n, cols);
                    byte[] bytes = t.data().toArray(ValueLayout.JAVA_BYTE);
                    for (int p = 0; p < n; p++) {
                        for (int row = 0; row < rows; row++) {
                            assertThat(out[p * rows + row]).as("%s %dx%d n=%d row %d position %d", type, rows, cols, n, row, p)
                                    .isEqualTo(Int8KernelsTest.reference(type, bytes, row, blocks, a, p));
                        }
                    }
                }
            });
        }
    }

    @Test
    void floatProductOnAFreshThreadAsShapesGrow() throws InterruptedException {
        onFreshThreadWithOneKernelThread(() -> {
            Random r = new Random(5);
            List<int[]> shapes = new ArrayList<>(List.of(SHAPES));
            shapes.add(new int[]{33, 10, 13});   // k = 320: two k blocks of the float GEMM
            for (int[] shape : shapes) {
                int rows = shape[0], cols = 32 * shape[1], n = shape[2];
                float[] w = new float[rows * cols], x = new float[n * cols], out = new float[n * rows];
                for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                F32Tensor.of("w", rows, cols, w).matmul(x, n, out);
                for (int p = 0; p < n; p++) {
                    for (int row = 0; row < rows; row++) {
                        double want = 0;
                        for (int c = 0; c < cols; c++) want += (double) w[row * cols + c] * x[p * cols + c];
                        assertThat((double) out[p * rows + row]).as("%dx%d n=%d row %d position %d", rows, cols, n, row, p)
                                .isCloseTo(want, org.assertj.core.api.Assertions.within(1e-4 * Math.sqrt(cols)));
                    }
                }
            }
        });
    }
}
