package superweight.model.arch;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;
import superweight.model.arch.ModelConfig.RopeScaling;

import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every limit of {@link ConfigLimits} at its edges: the last accepted value passes, the first refused one fails with
 * a message naming the file and the value (the limits themselves are the documented caps, 1 << 17 etc.).
 */
class ConfigLimitsTest {
    /** A small valid llama-like configuration; each test changes one field of it. */
    private record Cfg(int hidden, int inter, int layers, int heads, int kv, int headDim, int vocab, int ctx, double theta, int rotary,
                       RopeScaling scaling, double eps, float clip, float embScale, int window) {
        static final Cfg BASE = new Cfg(64, 176, 3, 4, 2, 16, 320, 256, 10000, 16, null, 1e-5, Float.NaN, 1f, 0);

        ModelConfig config() {
            return new ModelConfig("llama", hidden, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling,
                    ModelConfig.Norm.RMS, eps, ModelConfig.Activation.SILU, true, false, false, false, clip, embScale, false, 1, 2)
                    .withSlidingWindow(window);
        }

        Cfg hidden(int v) { return new Cfg(v, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, eps, clip, embScale, window); }
        Cfg inter(int v) { return new Cfg(hidden, v, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, eps, clip, embScale, window); }
        Cfg layers(int v) { return new Cfg(hidden, inter, v, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, eps, clip, embScale, window); }
        Cfg heads(int h, int k) { return new Cfg(hidden, inter, layers, h, k, headDim, vocab, ctx, theta, rotary, scaling, eps, clip, embScale, window); }
        Cfg headDim(int v, int rot) { return new Cfg(hidden, inter, layers, heads, kv, v, vocab, ctx, theta, rot, scaling, eps, clip, embScale, window); }
        Cfg vocab(int v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, v, ctx, theta, rotary, scaling, eps, clip, embScale, window); }
        Cfg ctx(int v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, v, theta, rotary, scaling, eps, clip, embScale, window); }
        Cfg theta(double v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, ctx, v, rotary, scaling, eps, clip, embScale, window); }
        Cfg scaling(RopeScaling v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, v, eps, clip, embScale, window); }
        Cfg eps(double v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, v, clip, embScale, window); }
        Cfg clip(float v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, eps, v, embScale, window); }
        Cfg embScale(float v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, eps, clip, v, window); }
        Cfg window(int v) { return new Cfg(hidden, inter, layers, heads, kv, headDim, vocab, ctx, theta, rotary, scaling, eps, clip, embScale, v); }
    }

    private static void accepted(UnaryOperator<Cfg> change) {
        ModelConfig c = change.apply(Cfg.BASE).config();
        assertThat(ConfigLimits.check(c, "config.json")).isSameAs(c);
    }

    private static void refused(UnaryOperator<Cfg> change, String message) {
        ModelConfig c = change.apply(Cfg.BASE).config();
        assertThatThrownBy(() -> ConfigLimits.check(c, "config.json")).isInstanceOf(SuperweightException.class)
                .hasMessage("config.json: " + message);
    }

    @Test
    void everySizeIsAcceptedFromOneToItsCapAndRefusedOutside() {
        accepted(c -> c.hidden(1));
        accepted(c -> c.hidden(1 << 17));
        refused(c -> c.hidden(0), "hidden size 0 is outside 1..131072");
        refused(c -> c.hidden((1 << 17) + 1), "hidden size 131073 is outside 1..131072");
        accepted(c -> c.inter(1 << 20));
        refused(c -> c.inter(0), "intermediate size 0 is outside 1..1048576");
        refused(c -> c.inter((1 << 20) + 1), "intermediate size 1048577 is outside 1..1048576");
        accepted(c -> c.layers(1024));
        refused(c -> c.layers(1025), "layer count 1025 is outside 1..1024");
        refused(c -> c.layers(-1), "layer count -1 is outside 1..1024");
        accepted(c -> c.heads(4096, 4096));
        refused(c -> c.heads(4097, 1), "attention head count 4097 is outside 1..4096");
        refused(c -> c.heads(4, 0), "KV head count 0 is outside 1..4096");
        refused(c -> c.heads(4096, 4097), "KV head count 4097 is outside 1..4096");
        accepted(c -> c.headDim(4096, 16));
        refused(c -> c.headDim(4097, 16), "head size 4097 is outside 1..4096");
        accepted(c -> c.vocab(1 << 22));
        refused(c -> c.vocab((1 << 22) + 1), "vocabulary size 4194305 is outside 1..4194304");
        accepted(c -> c.ctx(Integer.MAX_VALUE));
        refused(c -> c.ctx(0), "context length 0 is outside 1..2147483647");
    }

    @Test
    void headArithmetic() {
        accepted(c -> c.heads(6, 3));
        accepted(c -> c.heads(6, 6));
        refused(c -> c.heads(6, 4), "6 attention heads are not a multiple of 4 KV heads");
        accepted(c -> c.headDim(16, 0).theta(0));   // no rotary part: the theta is irrelevant (absolute positions)
        accepted(c -> c.headDim(16, 2));
        refused(c -> c.headDim(16, 18), "rotary dimension 18 does not fit head size 16");
        refused(c -> c.headDim(16, 7), "rotary dimension 7 does not fit head size 16");
        refused(c -> c.headDim(16, -2), "rotary dimension -2 does not fit head size 16");
    }

    @Test
    void scalarsMustBeFiniteAndInRange() {
        accepted(c -> c.window(0));
        accepted(c -> c.window(1));
        refused(c -> c.window(-1), "negative sliding window -1");
        accepted(c -> c.theta(1e-3));
        refused(c -> c.theta(0), "rope theta 0.0 is not a finite positive number");
        refused(c -> c.theta(Double.POSITIVE_INFINITY), "rope theta Infinity is not a finite positive number");
        refused(c -> c.theta(Double.NaN), "rope theta NaN is not a finite positive number");
        accepted(c -> c.eps(0));
        refused(c -> c.eps(-1e-9), "norm epsilon -1.0E-9 is not a finite value >= 0");
        refused(c -> c.eps(Double.NaN), "norm epsilon NaN is not a finite value >= 0");
        refused(c -> c.eps(Double.POSITIVE_INFINITY), "norm epsilon Infinity is not a finite value >= 0");
        accepted(c -> c.embScale(-8f));
        refused(c -> c.embScale(Float.POSITIVE_INFINITY), "embedding scale Infinity is not finite");
        refused(c -> c.embScale(Float.NaN), "embedding scale NaN is not finite");
        accepted(c -> c.clip(Float.NaN));   // NaN = no clipping
        accepted(c -> c.clip(1e-3f));
        refused(c -> c.clip(0f), "clip_qkv 0.0 is not positive");
        refused(c -> c.clip(-8f), "clip_qkv -8.0 is not positive");
    }

    @Test
    void ropeScalingParameters() {
        accepted(c -> c.scaling(new RopeScaling("linear", 0.5, 0, 0, 0, null)));
        refused(c -> c.scaling(new RopeScaling("linear", 0, 0, 0, 0, null)), "rope scaling factor 0.0 is not a finite positive number");
        accepted(c -> c.scaling(llama3(8, 1, 4, 8192)));
        refused(c -> c.scaling(llama3(0, 1, 4, 8192)), "rope scaling factor 0.0 is not a finite positive number");
        refused(c -> c.scaling(llama3(8, 0, 4, 8192)), "rope scaling low_freq_factor 0.0 is not a finite positive number");
        refused(c -> c.scaling(llama3(8, 1, 4, 0)), "rope scaling original_max_position_embeddings 0.0 is not a finite positive number");
        refused(c -> c.scaling(llama3(8, 1, 1, 8192)), "rope scaling high_freq_factor 1.0 is not above low_freq_factor 1.0");
        refused(c -> c.scaling(llama3(8, 1, Double.POSITIVE_INFINITY, 8192)), "rope scaling high_freq_factor Infinity is not above low_freq_factor 1.0");
        float[] eight = {1, 1, 1, 1, 1, 1, 1, 1};   // rotary 16: 8 frequencies
        accepted(c -> c.scaling(new RopeScaling("divisors", 1, 0, 0, 0, eight)));
        refused(c -> c.scaling(new RopeScaling("divisors", 1, 0, 0, 0, new float[7])), "rope_freqs has 7 values, expected 8");
        float[] zero = eight.clone();
        zero[7] = 0;
        refused(c -> c.scaling(new RopeScaling("divisors", 1, 0, 0, 0, zero)), "rope_freqs value 0.0 is not a finite positive number");
        refused(c -> c.scaling(new RopeScaling("yarn", 4, 0, 0, 0, null)), "unsupported rope scaling type 'yarn'");
    }

    private static RopeScaling llama3(double factor, double low, double high, double original) {
        return new RopeScaling("llama3", factor, low, high, original, null);
    }
}
