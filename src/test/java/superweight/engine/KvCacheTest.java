package superweight.engine;

import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.eval.ModelFingerprint;
import superweight.model.KernelMode;
import superweight.model.KvCache;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.tensor.Parallel;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link KvCache#F16}: what the cache holds, and that it is a derivation of its own. The perplexity it gives is
 * checked against llama.cpp's in {@code KvCacheCommandTest}.
 */
class KvCacheTest {
    private static final int[] TOKENS = {1, 229, 153, 132, 87, 107, 104, 229, 153, 132, 102, 100, 119, 229, 153, 132, 118, 100, 119};

    /**
     * After a prefill and two decoded tokens every cached key and value is an f16 value, and not all of them are with
     * the f32 cache (so the check can fail): catches a cache path (the prefill's or decode's) left unrounded.
     */
    @Test
    void cachedKeysAndValuesAreF16Values() {
        Model base = ModelLoader.load(Fixtures.shared().resolve("models/llama2c-260k/model.gguf"));
        try {
            InferenceState f16 = run(KvCache.F16.apply(base)), f32 = run(base);
            int cached = 2 * base.config().layers() * TOKENS.length * base.config().kvDim();
            assertThat(nonF16(f16)).isZero();
            assertThat(nonF16(f32)).isGreaterThan(cached / 2);
        } finally {
            base.checkpoint().close();
        }
    }

    /**
     * The determinism contract with the f16 cache, on the llama fixture: scores bit for bit at 1, 2 and 3 threads and
     * for batch splits whose calls of two or three positions run the untiled attention (a call of fewer than four
     * positions) against the tiled one of a single call, so both paths must round the same values; decode calls
     * deterministic and within the parity tolerance of scoring.
     */
    @Test
    void f16ScoresKeepTheDeterminismContract() {
        Model base = ModelLoader.load(Fixtures.arch("llama").resolve("model-f32.gguf"));
        int threads = Parallel.threads();
        try {
            Transformer t = new Transformer(KvCache.F16.apply(base));
            int[] tokens = new SplittableRandom(3).ints(29, 0, base.config().vocabSize()).toArray();
            float[] reference = t.logits(tokens);
            assertThat(reference).isNotEqualTo(new Transformer(base).logits(tokens));
            for (int n : new int[]{1, 2, 3}) {
                Parallel.useThreads(n);
                assertThat(t.logits(tokens)).as("%d threads", n).isEqualTo(reference);
            }
            Parallel.useThreads(threads);
            assertThat(DeterminismTest.split(t, tokens, 2, 27)).isEqualTo(reference);
            assertThat(DeterminismTest.split(t, tokens, 2, 2, 2, 3, 7, 2, 11)).isEqualTo(reference);
            assertThat(DeterminismTest.split(t, tokens, 6, 6, 6, 6, 5)).isEqualTo(reference);
            int[] ones = new int[tokens.length];
            Arrays.fill(ones, 1);
            float[] decoded = DeterminismTest.split(t, tokens, ones);
            assertThat(DeterminismTest.split(t, tokens, ones)).isEqualTo(decoded);
            for (int i = 0; i < reference.length; i++) assertThat(decoded[i]).isCloseTo(reference[i], within(1e-4f));
        } finally {
            Parallel.useThreads(threads);
            base.checkpoint().close();
        }
    }

    @Test
    void f16IsADerivationStepOfItsOwnKeptUnderTheKernelMode() {
        Model base = ModelLoader.load(Fixtures.shared().resolve("models/llama2c-260k/model.gguf"));
        try {
            Model f16 = KvCache.F16.apply(base);
            assertThat(KvCache.F32.apply(base)).isSameAs(base);
            assertThat(KvCache.F16.apply(f16)).isSameAs(f16);
            assertThat(f16.derivation()).containsExactly(KvCache.F16_STEP);
            assertThat(ModelFingerprint.of(f16)).isNotEqualTo(ModelFingerprint.of(base));
            Model int8 = KernelMode.INT8.apply(f16);
            assertThat(KvCache.of(int8)).isEqualTo(KvCache.F16);
            assertThat(KernelMode.of(int8)).isEqualTo(KernelMode.INT8);
            assertThat(KvCache.of(base)).isEqualTo(KvCache.F32);
            assertThatThrownBy(() -> KvCache.F16.apply(KernelMode.INT8.apply(base))).isInstanceOf(IllegalStateException.class);
        } finally {
            base.checkpoint().close();
        }
    }

    private static InferenceState run(Model m) {
        Transformer t = new Transformer(m);
        InferenceState st = t.newState(TOKENS.length);
        int prefix = TOKENS.length - 2;
        t.forward(st, Arrays.copyOf(TOKENS, prefix), Taps.NONE, Interventions.NONE, prefix, (p, l, o) -> { });
        for (int i = prefix; i < TOKENS.length; i++) t.forward(st, new int[]{TOKENS[i]}, Taps.NONE, Interventions.NONE, 1, (p, l, o) -> { });
        return st;
    }

    /** Cached keys and values of every layer that f16 does not hold exactly. */
    private static int nonF16(InferenceState st) {
        int count = 0;
        for (int l = 0; l < st.keys.length; l++) {
            for (float[] cache : new float[][]{st.keys[l], st.values[l]}) {
                for (float v : cache) if (Float.float16ToFloat(Float.floatToFloat16(v)) != v) count++;
            }
        }
        return count;
    }
}
