package superweight.model.arch;

/**
 * Everything the forward pass needs to know about a model's shape and quirks, independent of the file format.
 * {@code architecture} is the Hugging Face {@code model_type} (llama, mistral, qwen2, phi3, olmo, olmo2, gemma,
 * gpt_neox). {@code slidingWindow} > 0 lets position i attend only to positions j with i - j < slidingWindow.
 */
public record ModelConfig(
        String architecture,
        int hiddenSize,
        int intermediateSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        double ropeTheta,
        int rotaryDims,
        RopeScaling ropeScaling,
        Norm norm,
        double normEps,
        Activation activation,
        boolean gatedMlp,
        boolean parallelResidual,
        boolean postNorms,
        boolean qkNorm,
        float clipQkv,
        float embeddingScale,
        boolean tiedEmbeddings,
        int bosId,
        int eosId,
        int slidingWindow) {

    /** A configuration without sliding-window attention. */
    public ModelConfig(String architecture, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int headDim,
                       int vocabSize, int contextLength, double ropeTheta, int rotaryDims, RopeScaling ropeScaling, Norm norm,
                       double normEps, Activation activation, boolean gatedMlp, boolean parallelResidual, boolean postNorms,
                       boolean qkNorm, float clipQkv, float embeddingScale, boolean tiedEmbeddings, int bosId, int eosId) {
        this(architecture, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, vocabSize, contextLength, ropeTheta,
                rotaryDims, ropeScaling, norm, normEps, activation, gatedMlp, parallelResidual, postNorms, qkNorm, clipQkv,
                embeddingScale, tiedEmbeddings, bosId, eosId, 0);
    }

    /** A copy attending only to the last {@code window} positions (0 = unlimited). */
    public ModelConfig withSlidingWindow(int window) {
        return new ModelConfig(architecture, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                ropeTheta, rotaryDims, ropeScaling, norm, normEps, activation, gatedMlp, parallelResidual, postNorms, qkNorm, clipQkv,
                embeddingScale, tiedEmbeddings, bosId, eosId, window);
    }

    public enum Norm { RMS, LAYER }

    public enum Activation { SILU, GELU_TANH, GELU_ERF }

    /** Rotary scaling: "llama3" (wavelength-dependent), "linear" (positions divided by factor), or explicit per-dim divisors. */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              double originalMaxPositions, float[] freqDivisors) {
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** The rotary inverse frequencies inv_freq[i] = theta^(-2i/d) (scaled as configured), i < rotaryDims/2. */
    public double[] ropeInverseFrequencies() {
        int half = rotaryDims / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0 / Math.pow(ropeTheta, 2.0 * i / rotaryDims);
        if (ropeScaling == null) return inv;
        switch (ropeScaling.type()) {
            case "linear" -> {
                for (int i = 0; i < half; i++) inv[i] /= ropeScaling.factor();
            }
            case "llama3" -> {
                double lowWavelen = ropeScaling.originalMaxPositions() / ropeScaling.lowFreqFactor();
                double highWavelen = ropeScaling.originalMaxPositions() / ropeScaling.highFreqFactor();
                for (int i = 0; i < half; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) {
                        inv[i] = inv[i] / ropeScaling.factor();
                    } else if (wavelen >= highWavelen) {
                        double smooth = (ropeScaling.originalMaxPositions() / wavelen - ropeScaling.lowFreqFactor())
                                / (ropeScaling.highFreqFactor() - ropeScaling.lowFreqFactor());
                        inv[i] = (1 - smooth) * inv[i] / ropeScaling.factor() + smooth * inv[i];
                    }
                }
            }
            case "divisors" -> {
                for (int i = 0; i < half; i++) inv[i] /= ropeScaling.freqDivisors()[i];
            }
            default -> throw new IllegalStateException("rope scaling " + ropeScaling.type());
        }
        return inv;
    }
}
