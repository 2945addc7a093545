package superweight.engine;

import superweight.model.Model;

import java.util.ArrayList;
import java.util.List;

/**
 * Sentence embeddings from an encoder: token sequences in, pooled L2-normalised vectors out, in input order.
 * Sequences run {@code batchSize} at a time through {@link Encoder}'s packed batches (the same numbers as one at
 * a time).
 */
public final class Embedder {
    private final Encoder encoder;
    private final Pooling pooling;

    public Embedder(Model model, Pooling pooling) {
        this.encoder = new Encoder(model);
        this.pooling = pooling;
    }

    public List<float[]> embed(List<int[]> sequences, int batchSize, Interventions iv) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size " + batchSize);
        int d = encoder.model().config().hiddenSize();
        List<float[]> out = new ArrayList<>(sequences.size());
        for (int from = 0; from < sequences.size(); from += batchSize) {
            List<int[]> batch = sequences.subList(from, Math.min(sequences.size(), from + batchSize));
            List<float[]> hidden = encoder.hiddenStates(batch, Taps.NONE, iv);
            for (int s = 0; s < batch.size(); s++) out.add(pooling.embed(hidden.get(s), batch.get(s).length, d));
        }
        return out;
    }

    /**
     * Cuts a sequence [CLS] w1 .. wk [SEP] to at most {@code max} ids the way Hugging Face truncation does:
     * the first max - 2 word pieces between the kept [CLS] and [SEP].
     */
    public static int[] truncate(int[] ids, int max) {
        if (ids.length <= max) return ids;
        int[] r = new int[max];
        System.arraycopy(ids, 0, r, 0, max - 1);
        r[max - 1] = ids[ids.length - 1];
        return r;
    }
}
