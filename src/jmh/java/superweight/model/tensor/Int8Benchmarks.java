package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
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
 * {@code --kernels int8}: the int8 products against the float ones on the benchmark llama's shapes (hidden 768,
 * intermediate 2048; 128 positions for prefill, one for decode), and the Vector API formulations of an int8 block
 * dot product (the API has no VNNI / pmaddubsw): the sum of 32 int8 x int8 products per block over a 2048 x 768
 * Q8_0 matrix, one reduction per block, as a decode row dot computes it. Run with
 * {@code bin/jmh Int8Benchmarks -jvmArgsAppend -Dsuperweight.threads=1} (docs/performance.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class Int8Benchmarks {
    private static final int BITS = VectorMath.S.vectorBitSize();
    private static final VectorSpecies<Short> SW = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Byte> BW = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    private static final VectorSpecies<Integer> IW = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    private static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 4));
    private static final VectorSpecies<Float> FW = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    private static final int M = 2048, K = 768, POSITIONS = 128;

    @Param({"Q8_0", "Q4_0", "Q6_K"})
    String type;

    private Tensor weights, int8;
    private byte[] wq, xq;
    private float[] x, xs, out, outs;

    @Setup
    public void setUp() {
        Random r = new Random(1);
        weights = tensor(type, r);
        int8 = Int8KernelTensor.over(weights);
        xs = new float[POSITIONS * K];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
        x = java.util.Arrays.copyOf(xs, K);
        out = new float[M];
        outs = new float[POSITIONS * M];
        wq = new byte[M * K];
        xq = new byte[K];
        r.nextBytes(wq);
        for (int i = 0; i < K; i++) xq[i] = (byte) (r.nextInt(255) - 127);
    }

    @Benchmark
    public float[] floatGemm128() {
        weights.matmul(xs, POSITIONS, outs);
        return outs;
    }

    @Benchmark
    public float[] int8Gemm128() {
        int8.matmul(xs, POSITIONS, outs);
        return outs;
    }

    @Benchmark
    public float[] floatMatvec() {
        weights.matvec(x, out);
        return out;
    }

    @Benchmark
    public float[] int8Matvec() {
        int8.matvec(x, out);
        return out;
    }

    /** byte -> short, 16-bit multiply, then pairs of 16-bit products added into 32-bit lanes by shifts (the kernels' choice). */
    @Benchmark
    public long blockDotShortPairs() {
        long total = 0;
        for (int r = 0, at = 0; r < M; r++) {
            for (int b = 0; b < K; b += 32, at += 32) {
                IntVector acc = IntVector.zero(IW);
                for (int j = 0; j < 32; j += SW.length()) {
                    ShortVector w = (ShortVector) ByteVector.fromArray(BW, wq, at + j).convertShape(VectorOperators.B2S, SW, 0);
                    ShortVector a = (ShortVector) ByteVector.fromArray(BW, xq, b + j).convertShape(VectorOperators.B2S, SW, 0);
                    IntVector p = w.mul(a).reinterpretAsInts();
                    acc = acc.add(p.lanewise(VectorOperators.ASHR, 16)).add(p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                }
                total += acc.reduceLanes(VectorOperators.ADD);
            }
        }
        return total;
    }

    /** byte -> short, 16-bit multiply, then both halves widened to 32-bit lanes with convertShape(S2I). */
    @Benchmark
    public long blockDotShortConvert() {
        long total = 0;
        for (int r = 0, at = 0; r < M; r++) {
            for (int b = 0; b < K; b += 32, at += 32) {
                IntVector acc = IntVector.zero(IW);
                for (int j = 0; j < 32; j += SW.length()) {
                    ShortVector w = (ShortVector) ByteVector.fromArray(BW, wq, at + j).convertShape(VectorOperators.B2S, SW, 0);
                    ShortVector a = (ShortVector) ByteVector.fromArray(BW, xq, b + j).convertShape(VectorOperators.B2S, SW, 0);
                    ShortVector p = w.mul(a);
                    acc = acc.add(p.convertShape(VectorOperators.S2I, IW, 0)).add(p.convertShape(VectorOperators.S2I, IW, 1));
                }
                total += acc.reduceLanes(VectorOperators.ADD);
            }
        }
        return total;
    }

    /** byte -> int directly, 32-bit multiply (vpmulld). */
    @Benchmark
    public long blockDotIntMultiply() {
        long total = 0;
        for (int r = 0, at = 0; r < M; r++) {
            for (int b = 0; b < K; b += 32, at += 32) {
                IntVector acc = IntVector.zero(IW);
                for (int j = 0; j < 32; j += IW.length()) {
                    IntVector w = (IntVector) ByteVector.fromArray(BQ, wq, at + j).convertShape(VectorOperators.B2I, IW, 0);
                    IntVector a = (IntVector) ByteVector.fromArray(BQ, xq, b + j).convertShape(VectorOperators.B2I, IW, 0);
                    acc = acc.add(w.mul(a));
                }
                total += acc.reduceLanes(VectorOperators.ADD);
            }
        }
        return total;
    }

    /** byte -> float, fused multiply-add: exact, since every partial sum is an integer below 2^24. */
    @Benchmark
    public long blockDotFloatExact() {
        long total = 0;
        for (int r = 0, at = 0; r < M; r++) {
            for (int b = 0; b < K; b += 32, at += 32) {
                FloatVector acc = FloatVector.zero(FW);
                for (int j = 0; j < 32; j += FW.length()) {
                    FloatVector w = (FloatVector) ByteVector.fromArray(BQ, wq, at + j).convertShape(VectorOperators.B2F, FW, 0);
                    FloatVector a = (FloatVector) ByteVector.fromArray(BQ, xq, b + j).convertShape(VectorOperators.B2F, FW, 0);
                    acc = w.fma(a, acc);
                }
                total += (long) acc.reduceLanes(VectorOperators.ADD);
            }
        }
        return total;
    }

    private static Tensor tensor(String type, Random r) {
        int blockBytes = switch (type) {
            case "Q8_0" -> 34;
            case "Q4_0" -> 18;
            default -> 210;
        };
        int block = type.equals("Q6_K") ? 256 : 32, blocks = M * K / block;
        byte[] bytes = new byte[blocks * blockBytes];
        r.nextBytes(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) b.putShort(i * blockBytes + (type.equals("Q6_K") ? 208 : 0), Float.floatToFloat16(0.01f));
        MemorySegment s = MemorySegment.ofArray(bytes);
        return switch (type) {
            case "Q8_0" -> new Q8_0Tensor("w", M, K, s);
            case "Q4_0" -> new Q4_0Tensor("w", M, K, s);
            default -> new Q6_KTensor("w", M, K, s);
        };
    }
}
