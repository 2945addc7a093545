package superweight.model.arch;

import superweight.SuperweightException;

/**
 * Checks a configuration read from a file before anything is allocated from it: every size positive and below a
 * cap far above any published model, the head arithmetic consistent, rope parameters finite. A hostile
 * config.json or GGUF header then fails with one line naming the file and the value, never with an arithmetic
 * error, a negative array size or a multi-gigabyte allocation.
 */
public final class ConfigLimits {
    /** Caps: 8x the largest published values (hidden 16384, intermediate 73728, 126 layers, 256k vocabulary). */
    public static final int MAX_HIDDEN = 1 << 17, MAX_INTERMEDIATE = 1 << 20, MAX_LAYERS = 1024, MAX_HEADS = 1 << 12,
            MAX_HEAD_DIM = 1 << 12, MAX_VOCAB = 1 << 22;

    private ConfigLimits() {
    }

    public static ModelConfig check(ModelConfig c, Object where) {
        size(where, "hidden size", c.hiddenSize(), MAX_HIDDEN);
        size(where, "intermediate size", c.intermediateSize(), MAX_INTERMEDIATE);
        size(where, "layer count", c.layers(), MAX_LAYERS);
        size(where, "attention head count", c.heads(), MAX_HEADS);
        size(where, "KV head count", c.kvHeads(), MAX_HEADS);
        size(where, "head size", c.headDim(), MAX_HEAD_DIM);
        size(where, "vocabulary size", c.vocabSize(), MAX_VOCAB);
        size(where, "context length", c.contextLength(), Integer.MAX_VALUE);
        if (c.heads() % c.kvHeads() != 0) {
            throw bad(where, c.heads() + " attention heads are not a multiple of " + c.kvHeads() + " KV heads");
        }
        if (c.rotaryDims() < 0 || c.rotaryDims() > c.headDim() || c.rotaryDims() % 2 != 0) {
            throw bad(where, "rotary dimension " + c.rotaryDims() + " does not fit head size " + c.headDim());
        }
        if (c.slidingWindow() < 0) throw bad(where, "negative sliding window " + c.slidingWindow());
        if (c.rotaryDims() > 0) positive(where, "rope theta", c.ropeTheta());   // encoders with absolute positions have none
        if (!(c.normEps() >= 0) || Double.isInfinite(c.normEps())) throw bad(where, "norm epsilon " + c.normEps() + " is not a finite value >= 0");
        if (!Float.isFinite(c.embeddingScale())) throw bad(where, "embedding scale " + c.embeddingScale() + " is not finite");
        if (!Float.isNaN(c.clipQkv()) && !(c.clipQkv() > 0)) throw bad(where, "clip_qkv " + c.clipQkv() + " is not positive");
        if (c.ropeScaling() != null) rope(c.ropeScaling(), c.rotaryDims(), where);
        return c;
    }

    private static void rope(ModelConfig.RopeScaling r, int rotaryDims, Object where) {
        switch (r.type()) {
            case "linear" -> positive(where, "rope scaling factor", r.factor());
            case "llama3" -> {
                positive(where, "rope scaling factor", r.factor());
                positive(where, "rope scaling low_freq_factor", r.lowFreqFactor());
                positive(where, "rope scaling original_max_position_embeddings", r.originalMaxPositions());
                if (!(r.highFreqFactor() > r.lowFreqFactor()) || Double.isInfinite(r.highFreqFactor())) {
                    throw bad(where, "rope scaling high_freq_factor " + r.highFreqFactor() + " is not above low_freq_factor " + r.lowFreqFactor());
                }
            }
            case "divisors" -> {
                if (r.freqDivisors().length < rotaryDims / 2) {
                    throw bad(where, "rope_freqs has " + r.freqDivisors().length + " values, expected " + rotaryDims / 2);
                }
                for (float f : r.freqDivisors()) positive(where, "rope_freqs value", f);
            }
            default -> throw bad(where, "unsupported rope scaling type '" + r.type() + "'");
        }
    }

    private static void size(Object where, String what, int value, int max) {
        if (value <= 0 || value > max) throw bad(where, what + " " + value + " is outside 1.." + max);
    }

    private static void positive(Object where, String what, double value) {
        if (!(value > 0) || Double.isInfinite(value)) throw bad(where, what + " " + value + " is not a finite positive number");
    }

    private static SuperweightException bad(Object where, String problem) {
        return new SuperweightException(where + ": " + problem);
    }
}
