package superweight.model.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What of the machine probe can be checked without a clock: the arithmetic from measured figures to GFLOP/s and
 * GB/s, the expected-peak formula, the parsing of /proc, and the values the two timed loops compute (scalar
 * re-computations of the same sums). The timings themselves have no exact value; only their plumbing is checked.
 */
class MachineLimitsTest {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void flopsAndBytesPerSecond() {
        // 2 threads x 5e6 steps x 12 FMAs x 8 lanes x 2 flops = 1.92e9 flops; in 0.5 s: 3.84 GFLOP/s
        assertThat(MachineLimits.fmaGflops(2, 5_000_000L, 8, 0.5)).isCloseTo(3.84, within(1e-12));
        // one thread, 16 lanes, 1e6 steps in 4 ms: 3.84e8 flops / 0.004 s = 96 GFLOP/s
        assertThat(MachineLimits.fmaGflops(1, 1_000_000L, 16, 0.004)).isCloseTo(96.0, within(1e-9));
        // 256 MiB in 0.01 s: 268435456 / 0.01 / 1e9 = 26.8435456 GB/s (decimal)
        assertThat(MachineLimits.gbPerSecond(256.0 * 1024 * 1024, 0.01)).isCloseTo(26.8435456, within(1e-9));
    }

    @Test
    void expectedPeakIsCoresTimesClockTimesLanesTimesTwoTimesUnits() {
        // NOTES-java.md's figure for the AVX2 EPYC: 2 cores x 2.45 GHz x 8 lanes x 2 x 2 FMA units = 156.8
        assertThat(MachineLimits.expectedPeakGflops(2, 2.45, 8, 2)).isCloseTo(156.8, within(1e-9));
        // one unit, 16 lanes, 3 GHz, 4 cores: 4 x 3 x 16 x 2 = 384
        assertThat(MachineLimits.expectedPeakGflops(4, 3.0, 16, 1)).isCloseTo(384.0, within(1e-9));
    }

    @Test
    void fmaLoopComputesTwelveChains() {
        int lanes = VectorMath.S.length();
        assertThat(lanes).isPositive();
        for (long iterations : new long[]{0, 1, 7, 1000}) {
            float seed = 2.5f;
            float[] c = new float[12];
            for (int k = 0; k < 12; k++) c[k] = seed + k;
            for (long i = 0; i < iterations; i++) for (int k = 0; k < 12; k++) c[k] = Math.fma(0.5f, 0x1p-10f, c[k]);
            // the loop's final pairing of the 12 accumulators
            float want = ((c[0] + c[1]) + (c[2] + c[3])) + ((c[4] + c[5]) + (c[6] + c[7])) + ((c[8] + c[9]) + (c[10] + c[11]));
            assertThat(MachineLimits.fmaLoop(iterations, seed)).as("iterations %d", iterations).isEqualTo(want);
        }
        // by hand: the seeds sum to 12 x 2.5 + (0 + 1 + ... + 11) = 96, and each step adds 0.5 x 2^-10 = 2^-11 to each
        // chain exactly (the accumulator is the addend; with it as a factor, c * 0.5 + 2^-10 halves the seeds)
        assertThat(MachineLimits.fmaLoop(0, 2.5f)).isEqualTo(96f);
        assertThat(MachineLimits.fmaLoop(1000, 2.5f)).isEqualTo(96f + 12 * 1000 / 2048f);
    }

    @Test
    void impliedClockIsTheMeasuredPeakOverThreadsLanesTwoAndUnits() {
        // 192 GFLOP/s on 2 threads of 8 lanes with 2 units: 192 / (2 x 8 x 2 x 2) = 3 GHz
        assertThat(new MachineLimits.FmaPeak(192, 143.7, 2, 2.245, 8, 2).impliedGhz()).isCloseTo(3.0, within(1e-12));
        assertThat(new MachineLimits.FmaPeak(96, 0, 1, 2.6, 16, 1).impliedGhz()).isCloseTo(3.0, within(1e-12));
    }

    @Test
    void streamingSumIsLaneZeroOfEveryVectorInTheRange() {
        int lanes = VectorMath.S.length(), floats = 4 * lanes * 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(floats * 4L, 64);
            for (int i = 0; i < floats; i++) seg.set(LE_FLOAT, 4L * i, i + 1);
            // lane 0 of vector v holds float v * lanes, i.e. the value v * lanes + 1; integers, so the sum is exact
            long step = 4L * lanes;
            float want = 0;
            for (int v = 4; v < 12; v++) want += v * lanes + 1;   // vectors 4..11: bytes [4 step, 12 step)
            assertThat(MachineLimits.sum(seg, 4 * step, 12 * step)).isEqualTo(want);
            float all = 0;
            for (int v = 0; v < 20; v++) all += v * lanes + 1;
            assertThat(MachineLimits.sum(seg, 0, 20 * step)).isEqualTo(all);
            assertThat(MachineLimits.sum(seg, 8 * step, 8 * step)).isZero();
        }
    }

    @Test
    void procFilesParsed() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "model name\t: AMD EPYC 7B13",
                "cpu MHz\t\t: 2445.406", "processor\t: 1", "model name\t: other", "cpu MHz\t\t: 1000.000");
        assertThat(MachineLimits.cpuGhz(cpuinfo)).isCloseTo(2.445406, within(1e-12));
        assertThat(MachineLimits.cpuModel(cpuinfo, "fallback")).isEqualTo("AMD EPYC 7B13");
        assertThat(MachineLimits.cpuGhz(List.of("processor : 0"))).isNaN();
        assertThat(MachineLimits.cpuGhz(List.of("cpu MHz : unknown"))).isNaN();
        assertThat(MachineLimits.cpuModel(List.of("processor : 0"), "aarch64")).isEqualTo("aarch64");
        assertThat(MachineLimits.loadAverage("20.53 31.07 28.90 9/1170 40213\n")).isEqualTo(20.53);
        assertThat(MachineLimits.loadAverage("")).isNaN();
    }

    @Test
    void probesReportTheirInputsAndAPositiveRate() {
        // Timed, so only the figures that do not depend on the clock are exact; the rates must at least be real numbers.
        // Not at a width wider than the CPU's: the Vector API's Java fallback would take minutes for the 5e6-step loop.
        assumeTrue(VectorMath.S.vectorBitSize() <= FloatVector.SPECIES_PREFERRED.vectorBitSize(), "a width this CPU has");
        MachineLimits.FmaPeak peak = MachineLimits.fmaPeak(2);
        int lanes = VectorMath.S.length();
        assertThat(peak.threads()).isEqualTo(Parallel.threads());
        assertThat(peak.lanes()).isEqualTo(lanes);
        assertThat(peak.fmaUnits()).isEqualTo(2);
        assertThat(peak.ghz()).isEqualTo(MachineLimits.cpuGhz());
        double cores = Runtime.getRuntime().availableProcessors();
        if (!Double.isNaN(peak.ghz())) assertThat(peak.theoreticalGflops()).isCloseTo(cores * peak.ghz() * lanes * 4, within(1e-9));
        assertThat(peak.measuredGflops()).isPositive().isFinite();
        double gbs = MachineLimits.readBandwidthGBs(4L << 20, 2);
        assertThat(gbs).isPositive().isFinite();
        double load = MachineLimits.loadAverage();
        if (!Double.isNaN(load)) assertThat(load).isGreaterThanOrEqualTo(0);
        assertThat(MachineLimits.cpuModel()).isNotBlank();
    }
}
