package superweight.model.arch;

import org.junit.jupiter.api.Test;
import superweight.model.arch.ModelConfig.RopeScaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Rotary inverse frequencies for every scaling type, on a 64-dim head whose wavelengths straddle both llama3 edges,
 * with factors that are not 1 (so a division taken for a multiplication shows). The llama3 reference is
 * transformers' _compute_llama3_parameters written here in its own where(...) form.
 */
class RopeFrequenciesTest {
    private static ModelConfig withRope(int rotary, double theta, RopeScaling s) {
        return new ModelConfig("llama", 64, 176, 1, 1, 1, rotary, 320, 256, theta, rotary, s, ModelConfig.Norm.RMS, 1e-5,
                ModelConfig.Activation.SILU, true, false, false, false, Float.NaN, 1f, false, 1, 2);
    }

    private static double plain(int i, int d, double theta) {
        return Math.pow(theta, -(2.0 * i) / d);
    }

    @Test
    void unscaledAndLinear() {
        double[] inv = withRope(64, 10000, null).ropeInverseFrequencies();
        assertThat(inv).hasSize(32);
        for (int i = 0; i < 32; i++) assertThat(inv[i]).isCloseTo(plain(i, 64, 10000), within(1e-15 * inv[i] + 1e-300));
        double[] lin = withRope(64, 10000, new RopeScaling("linear", 2.5, 0, 0, 0, null)).ropeInverseFrequencies();
        for (int i = 0; i < 32; i++) assertThat(lin[i]).isCloseTo(plain(i, 64, 10000) / 2.5, within(1e-15 * lin[i]));
    }

    @Test
    void llama3WithFactorsOtherThanOne() {
        double factor = 4, low = 2, high = 8, old = 256;
        double[] got = withRope(64, 10000, new RopeScaling("llama3", factor, low, high, old, null)).ropeInverseFrequencies();
        double lowWavelen = old / low, highWavelen = old / high;   // 128 and 32
        int medium = 0, divided = 0, kept = 0;
        for (int i = 0; i < 32; i++) {
            double f = plain(i, 64, 10000), wavelen = 2 * Math.PI / f;
            double llama = wavelen > lowWavelen ? f / factor : f;
            double smooth = (old / wavelen - low) / (high - low);
            double smoothed = (1 - smooth) * llama / factor + smooth * llama;
            boolean isMedium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            double want = isMedium ? smoothed : llama;
            assertThat(got[i]).as("i=%d wavelen=%.1f", i, wavelen).isCloseTo(want, within(1e-14 * want));
            if (isMedium) medium++;
            else if (wavelen > lowWavelen) divided++;
            else kept++;
        }
        assertThat(new int[]{kept, medium, divided}).as("all three bands occur").doesNotContain(0);
    }

    @Test
    void explicitDivisorsFromRopeFreqs() {
        float[] divisors = new float[8];
        for (int i = 0; i < 8; i++) divisors[i] = 1 + i;
        double[] got = withRope(16, 500000, new RopeScaling("divisors", 1, 0, 0, 0, divisors)).ropeInverseFrequencies();
        for (int i = 0; i < 8; i++) assertThat(got[i]).isCloseTo(plain(i, 16, 500000) / (1 + i), within(1e-15 * got[i]));
    }

    @Test
    void partialRotaryUsesTheRotaryWidthInTheExponent() {
        // GPT-NeoX style: 4 of 16 dims rotate; inv_freq = theta^(-2i/4), i < 2
        double[] got = new ModelConfig("gpt_neox", 64, 256, 1, 4, 4, 16, 320, 256, 10000, 4, null, ModelConfig.Norm.LAYER, 1e-5,
                ModelConfig.Activation.GELU_ERF, false, true, false, false, Float.NaN, 1f, false, 1, 2).ropeInverseFrequencies();
        assertThat(got).containsExactly(1.0, 0.01);
    }
}
