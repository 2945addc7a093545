package superweight.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Incremental decoding over the KV cache: greedy at temperature 0, otherwise sampling from softmax(logits / T). */
public final class Generator {
    private final Transformer transformer;

    public Generator(Transformer transformer) {
        this.transformer = transformer;
    }

    /**
     * Generates up to maxTokens ids after the prompt (which must be non-empty). Stops early at {@code stopId}
     * (included in the output) unless it is negative.
     */
    public List<Integer> generate(int[] prompt, int maxTokens, float temperature, long seed, int stopId, Interventions iv) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        int vocab = transformer.model().config().vocabSize();
        InferenceState st = transformer.newState(prompt.length + maxTokens);
        float[] last = new float[vocab];
        LogitsSink keep = (pos, logits, off) -> System.arraycopy(logits, off, last, 0, vocab);
        transformer.forward(st, prompt, Taps.NONE, iv, prompt.length - 1, keep);
        Random rnd = new Random(seed);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < maxTokens; i++) {
            int next = temperature <= 0 ? LogProbs.argmax(last, 0, vocab) : sample(last, temperature, rnd);
            out.add(next);
            if (next == stopId || i == maxTokens - 1) break;
            transformer.forward(st, new int[]{next}, Taps.NONE, iv, 0, keep);
        }
        return out;
    }

    static int sample(float[] logits, float temperature, Random rnd) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        double r = rnd.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            r -= p[i];
            if (r <= 0) return i;
        }
        return p.length - 1;
    }
}
