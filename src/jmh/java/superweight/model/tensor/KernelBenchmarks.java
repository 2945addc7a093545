package superweight.model.tensor;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The kernels on the shapes of the benchmark llama (hidden 768, intermediate 2048), one storage type per run:
 * the prefill GEMM (128 positions) and the decode matrix-vector product. Run with {@code bin/jmh} (see
 * docs/performance.md); not part of the test run. Threads follow {@code -Dsuperweight.threads} of the fork.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelBenchmarks {
    @Param({"F32", "BF16", "Q8_0", "Q4_0", "Q6_K"})
    String type;

    @Param({"2048x768"})
    String shape;

    private Tensor weights;
    private float[] x, xs, out, outs;
    private static final int POSITIONS = 128;

    @Setup
    public void setUp() {
        String[] mk = shape.split("x");
        int m = Integer.parseInt(mk[0]), k = Integer.parseInt(mk[1]);
        Random r = new Random(1);
        weights = tensor(type, m, k, r);
        x = new float[k];
        xs = new float[POSITIONS * k];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
        System.arraycopy(xs, 0, x, 0, k);
        out = new float[m];
        outs = new float[POSITIONS * m];
    }

    /** Prefill: 128 positions through the packed outer-product GEMM. */
    @Benchmark
    public float[] gemm128() {
        weights.matmul(xs, POSITIONS, outs);
        return outs;
    }

    /** Decode: one position, the fused decode-dot per row. */
    @Benchmark
    public float[] matvec() {
        weights.matvec(x, out);
        return out;
    }

    private static Tensor tensor(String type, int m, int k, Random r) {
        int blockBytes = switch (type) {
            case "F32" -> 4;
            case "BF16" -> 2;
            case "Q8_0" -> 34;
            case "Q4_0" -> 18;
            case "Q6_K" -> 210;
            default -> throw new IllegalArgumentException(type);
        };
        int block = type.startsWith("Q") ? (type.equals("Q6_K") ? 256 : 32) : 1;
        byte[] bytes = new byte[m * k / block * blockBytes];
        r.nextBytes(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < m * k / block; i++) {
            switch (type) {
                case "F32" -> b.putFloat(4 * i, (float) r.nextGaussian());
                case "BF16" -> b.putShort(2 * i, (short) (Float.floatToRawIntBits((float) r.nextGaussian()) >>> 16));
                case "Q6_K" -> b.putShort(i * blockBytes + 208, Float.floatToFloat16(0.001f));
                default -> b.putShort(i * blockBytes, Float.floatToFloat16(0.01f));
            }
        }
        MemorySegment s = MemorySegment.ofArray(bytes);
        return switch (type) {
            case "F32" -> new F32Tensor("w", m, k, s);
            case "BF16" -> new BF16Tensor("w", m, k, s);
            case "Q8_0" -> new Q8_0Tensor("w", m, k, s);
            case "Q4_0" -> new Q4_0Tensor("w", m, k, s);
            default -> new Q6_KTensor("w", m, k, s);
        };
    }
}
