package superweight.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.tensor.Parallel;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The determinism contract of docs/performance.md on a real model (the llama fixture, GQA, 3 layers): scores bit for
 * bit at 1, 2 and 3 kernel threads and for every batch split of the sequence into calls of two or more positions;
 * one-position decode calls deterministic themselves and within the parity tolerance of the scoring path. Surefire
 * runs this class again at 128, 256 and 512 bits.
 */
class DeterminismTest {
    private static final int THREADS = Parallel.threads();
    private static Model model;
    private static Transformer transformer;
    private static int[] tokens;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.arch("llama").resolve("model-f32.gguf"));
        transformer = new Transformer(model);
        tokens = new SplittableRandom(3).ints(29, 0, model.config().vocabSize()).toArray();
    }

    @AfterAll
    static void close() {
        Parallel.useThreads(THREADS);
        model.checkpoint().close();
    }

    /** Logits of every position when the sequence is fed in calls of the given sizes over one KV cache. */
    private static float[] split(int... sizes) {
        return split(transformer, tokens, sizes);
    }

    /** {@link #split(int...)} for any transformer and tokens (also {@code KvCacheTest}'s). */
    static float[] split(Transformer t, int[] tokens, int... sizes) {
        int vocab = t.model().config().vocabSize();
        float[] out = new float[tokens.length * vocab];
        InferenceState st = t.newState(tokens.length);
        int at = 0;
        for (int size : sizes) {
            int[] part = Arrays.copyOfRange(tokens, at, at + size);
            t.forward(st, part, Taps.NONE, Interventions.NONE, 0, (pos, l, off) -> System.arraycopy(l, off, out, pos * vocab, vocab));
            at += size;
        }
        assertThat(at).isEqualTo(tokens.length);
        return out;
    }

    @Test
    void scoresAreBitIdenticalAtOneTwoAndThreeThreads() {
        float[] reference = transformer.logits(tokens);
        for (int threads : new int[]{1, 2, 3}) {
            Parallel.useThreads(threads);
            assertThat(transformer.logits(tokens)).as("%d threads", threads).isEqualTo(reference);
        }
        Parallel.useThreads(THREADS);
    }

    @Test
    void scoresAreBitIdenticalForEveryBatchSplit() {
        float[] reference = transformer.logits(tokens);
        assertThat(split(2, 27)).isEqualTo(reference);
        assertThat(split(13, 16)).isEqualTo(reference);
        assertThat(split(6, 6, 6, 6, 5)).isEqualTo(reference);
        assertThat(split(2, 2, 2, 3, 7, 2, 11)).isEqualTo(reference);
        Parallel.useThreads(3);
        assertThat(split(5, 24)).isEqualTo(reference);
        Parallel.useThreads(THREADS);
    }

    /**
     * A call that wants logits only from some position on runs the last layer's MLP on those rows alone (as
     * llama.cpp does): the kept rows' logits keep their bits, one kept row included (the GEMM, not the decode
     * path), and the KV cache is complete, so a following call scores as if nothing had been skipped.
     */
    @Test
    void logitsOfTheLastRowsAloneKeepTheirBitsAndTheCacheStaysComplete() {
        int vocab = model.config().vocabSize(), n = tokens.length;
        float[] reference = transformer.logits(tokens);
        for (int from : new int[]{1, 14, n - 1}) {
            float[] out = new float[n * vocab];
            boolean[] seen = new boolean[n];
            InferenceState st = transformer.newState(n);
            transformer.forward(st, tokens, Taps.NONE, Interventions.NONE, from, (pos, l, off) -> {
                System.arraycopy(l, off, out, pos * vocab, vocab);
                seen[pos] = true;
            });
            for (int p = 0; p < n; p++) assertThat(seen[p]).as("logits from %d, position %d", from, p).isEqualTo(p >= from);
            assertThat(Arrays.copyOfRange(out, from * vocab, n * vocab)).as("from %d", from)
                    .isEqualTo(Arrays.copyOfRange(reference, from * vocab, n * vocab));
        }
        float[] rest = new float[n * vocab];
        InferenceState st = transformer.newState(n);
        transformer.forward(st, Arrays.copyOfRange(tokens, 0, 11), Taps.NONE, Interventions.NONE, 11, (pos, l, off) -> { });
        assertThat(st.length()).isEqualTo(11);
        transformer.forward(st, Arrays.copyOfRange(tokens, 11, n), Taps.NONE, Interventions.NONE, 0,
                (pos, l, off) -> System.arraycopy(l, off, rest, pos * vocab, vocab));
        assertThat(Arrays.copyOfRange(rest, 11 * vocab, n * vocab)).isEqualTo(Arrays.copyOfRange(reference, 11 * vocab, n * vocab));
    }

    /**
     * The scores' bits at every vector width and on every machine: a digest pinned once (at 512 bits, AMD EPYC) and
     * checked by the 128-, 256- and 512-bit runs of this class. It guards width- and machine-independence only (the
     * parity tests check the values); a deliberate change of the arithmetic must update it.
     */
    @Test
    void scoresHaveTheSameBitsAtEveryVectorWidth() throws Exception {
        float[] logits = transformer.logits(tokens);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * logits.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : logits) b.putInt(Float.floatToRawIntBits(f));
        String digest = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b.array()));
        assertThat(digest).as("at %d bits", superweight.model.tensor.VectorMath.S.vectorBitSize()).isEqualTo(SCORES_SHA256);
    }

    private static final String SCORES_SHA256 = "8b179de68bd20e7041773381a5500d20752db4fc078a8cfa4220a6a39e7d3316";

    /**
     * A long sequence (254 positions, the fixture's context is 256) through the tiled attention (four query
     * positions per tile, ragged last tile): its logits' digest was computed by the implementation before the
     * tiling (one query per task, commit b149a00, with a scratch program outside the repository), so a tile that
     * reorders a single fma in any score or output fails here; and the same bits at 1, 2 and 3 threads and for
     * splits that start tiles at positions that are not multiples of four.
     */
    @Test
    void longSequenceScoresEqualTheUntiledAttentionAtAnyThreadCountAndSplit() throws Exception {
        int[] longTokens = new SplittableRandom(5).ints(254, 0, model.config().vocabSize()).toArray();
        float[] reference = transformer.logits(longTokens);
        assertThat(sha256(reference)).as("at %d bits", superweight.model.tensor.VectorMath.S.vectorBitSize())
                .isEqualTo("b68e9731ab89d314ed6e52a0584a88b625f37544d5e52ed9d2c23838975e2ebc");
        for (int threads : new int[]{1, 2, 3}) {
            Parallel.useThreads(threads);
            assertThat(transformer.logits(longTokens)).as("%d threads", threads).isEqualTo(reference);
        }
        Parallel.useThreads(THREADS);
        int vocab = model.config().vocabSize();
        float[] split = new float[reference.length];
        InferenceState st = transformer.newState(longTokens.length);
        for (int[] part : new int[][]{{0, 3}, {3, 110}, {110, 254}}) {
            transformer.forward(st, Arrays.copyOfRange(longTokens, part[0], part[1]), Taps.NONE, Interventions.NONE, 0,
                    (pos, l, off) -> System.arraycopy(l, off, split, pos * vocab, vocab));
        }
        assertThat(split).isEqualTo(reference);
    }

    private static String sha256(float[] values) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : values) b.putInt(Float.floatToRawIntBits(f));
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @Test
    void decodeCallsAreDeterministicAndWithinParityToleranceOfScoring() {
        int[] ones = new int[tokens.length];
        Arrays.fill(ones, 1);
        float[] first = split(ones);
        Parallel.useThreads(1);
        float[] again = split(ones);
        Parallel.useThreads(THREADS);
        assertThat(again).isEqualTo(first);
        float[] scoring = transformer.logits(tokens);
        for (int i = 0; i < scoring.length; i++) assertThat(first[i]).isCloseTo(scoring[i], within(1e-4f));
    }
}
