package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * What this machine can do at most, measured the way the kernels run (same species, same worker threads), so that
 * a speed can be read as a fraction of its limit: the FMA peak of a register-only loop, and the bandwidth of a
 * streaming read far larger than the last-level cache.
 */
public final class MachineLimits {
    private static final VectorSpecies<Float> S = VectorMath.S;

    private MachineLimits() {
    }

    /** Measured peak, and the paper figure cores x GHz x lanes x 2 (multiply + add) x FMA units for comparison. */
    public record FmaPeak(double measuredGflops, double theoreticalGflops, int threads, double ghz, int lanes, int fmaUnits) {
        /**
         * The clock at which {@code threads} cores with {@code fmaUnits} FMA units would give the measured peak: the
         * clock the cores actually ran at when that many units are really there (under a hypervisor /proc/cpuinfo
         * gives the nominal clock, not the boost clock the cores run at).
         */
        public double impliedGhz() {
            return measuredGflops / ((double) threads * lanes * 2 * fmaUnits);
        }
    }

    private static final int PEAK_ROUNDS = 7;

    /**
     * Float GFLOP/s of a loop of fused multiply-adds on 12 independent accumulators per thread (more than FMA latency
     * x FMA units, so the loop is bound by throughput, with no load or store), on every kernel thread at once. The
     * accumulator is the addend, as in the GEMM's tile: with it as a factor instead, C2 copies the addend to a new
     * register for every FMA and the loop ran at 75 % of the core's FMA rate (docs/performance.md, session 6).
     * Wall time of the fastest of {@value #PEAK_ROUNDS} rounds.
     */
    public static FmaPeak fmaPeak(int fmaUnits) {
        int threads = Parallel.threads();
        long iterations = 5_000_000L;
        DoubleAdder sink = new DoubleAdder();
        for (int i = 0; i < 400; i++) sink.add(fmaLoop(10_000, i)); // warm-up: compiled before it is timed
        // The fastest of several rounds: one round is tens of milliseconds, so a worker woken late or a core lent to
        // another process for a moment would otherwise decide the figure (it read 83-107 of 192 at load 2).
        double wall = Double.MAX_VALUE;
        for (int round = 0; round < PEAK_ROUNDS; round++) {
            long t0 = System.nanoTime();
            Parallel.forRange(threads, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    sink.add(fmaLoop(iterations, 1f + i)); // the result is used, so the loop is not removed
                }
            });
            wall = Math.min(wall, (System.nanoTime() - t0) / 1e9);
        }
        double ghz = cpuGhz();
        return new FmaPeak(fmaGflops(threads, iterations, S.length(), wall),
                expectedPeakGflops(Runtime.getRuntime().availableProcessors(), ghz, S.length(), fmaUnits), threads, ghz, S.length(), fmaUnits);
    }

    /** GFLOP/s of {@code threads} runs of {@link #fmaLoop} of {@code iterations} steps in {@code seconds}: 12 FMAs a step, 2 flops a lane. */
    static double fmaGflops(int threads, long iterations, int lanes, double seconds) {
        return (double) threads * iterations * 12 * lanes * 2 / seconds / 1e9;
    }

    /** The paper peak: cores x GHz x lanes x 2 (multiply + add) x FMA units a core. */
    static double expectedPeakGflops(int cores, double ghz, int lanes, int fmaUnits) {
        return cores * ghz * lanes * 2 * fmaUnits;
    }

    /** Lane 0 of the sum of 12 chains c_k = seed + k, each stepped {@code iterations} times by c = fma(0.5, 2^-10, c). */
    static float fmaLoop(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.5f), a = FloatVector.broadcast(S, 0x1p-10f);
        FloatVector c0 = FloatVector.broadcast(S, seed), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3), c4 = c0.add(4), c5 = c0.add(5);
        FloatVector c6 = c0.add(6), c7 = c0.add(7), c8 = c0.add(8), c9 = c0.add(9), c10 = c0.add(10), c11 = c0.add(11);
        for (long i = 0; i < iterations; i++) {
            c0 = m.fma(a, c0); c1 = m.fma(a, c1); c2 = m.fma(a, c2); c3 = m.fma(a, c3);
            c4 = m.fma(a, c4); c5 = m.fma(a, c5); c6 = m.fma(a, c6); c7 = m.fma(a, c7);
            c8 = m.fma(a, c8); c9 = m.fma(a, c9); c10 = m.fma(a, c10); c11 = m.fma(a, c11);
        }
        return c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).add(c8.add(c9).add(c10.add(c11))).lane(0);
    }

    /**
     * GB/s of a streaming read of {@code bytes} (use several times the last-level cache) split over the kernel
     * threads; the best of {@code rounds} passes after one that faults the pages in.
     */
    public static double readBandwidthGBs(long bytes, int rounds) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 64);
            seg.fill((byte) 1);
            int chunks = Math.toIntExact(bytes / (1 << 20));
            DoubleAdder warm = new DoubleAdder();
            for (int i = 0; i < 400; i++) warm.add(sum(seg, 0, 64 << 10)); // warm-up: compiled before it is timed
            double best = 0;
            for (int r = 0; r < rounds; r++) {
                DoubleAdder sink = new DoubleAdder();
                long t0 = System.nanoTime();
                Parallel.forRange(chunks, 1, (from, to) -> sink.add(sum(seg, (long) from << 20, (long) to << 20)));
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, gbPerSecond(chunks * (double) (1 << 20), s));
            }
            return best;
        }
    }

    /** Decimal gigabytes a second. */
    static double gbPerSecond(double bytes, double seconds) {
        return bytes / seconds / 1e9;
    }

    /** Lane 0 of the sum of the float vectors in seg[from, to), a multiple of four vectors, read as four interleaved streams. */
    static float sum(MemorySegment seg, long from, long to) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        long step = S.vectorByteSize();
        for (long at = from; at < to; at += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(S, seg, at, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(S, seg, at + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(S, seg, at + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(S, seg, at + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).lane(0);
    }

    /** The clock /proc/cpuinfo reports (the current, not the boost, frequency); NaN where there is none. */
    static double cpuGhz() {
        return cpuGhz(cpuinfo());
    }

    /** The first "cpu MHz" line of cpuinfo in GHz; NaN without one or when it is not a number. */
    static double cpuGhz(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            if (line.startsWith("cpu MHz")) {
                try {
                    return Double.parseDouble(afterColon(line)) / 1000;
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
        }
        return Double.NaN;
    }

    /** The 1-minute load average from /proc/loadavg (how busy the machine was), or NaN. */
    public static double loadAverage() {
        try {
            return loadAverage(Files.readString(Path.of("/proc/loadavg")));
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** The first field of a /proc/loadavg line, or NaN when it is not a number. */
    static double loadAverage(String loadavg) {
        try {
            return Double.parseDouble(loadavg.split(" ")[0]);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** The CPU's model name from /proc/cpuinfo, or os.arch where there is none. */
    public static String cpuModel() {
        return cpuModel(cpuinfo(), System.getProperty("os.arch"));
    }

    /** The first "model name" of cpuinfo, or {@code fallback} without one. */
    static String cpuModel(List<String> cpuinfo, String fallback) {
        for (String line : cpuinfo) {
            if (line.startsWith("model name")) return afterColon(line);
        }
        return fallback;
    }

    private static String afterColon(String line) {
        return line.substring(line.indexOf(':') + 1).trim();
    }

    /** The lines of /proc/cpuinfo, none where it cannot be read (not Linux). */
    private static List<String> cpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
