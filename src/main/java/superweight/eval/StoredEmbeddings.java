package superweight.eval;

import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings of an encoder under some {@link Interventions}, kept in the {@link RunStore} like the decoder
 * evaluations' items: one row per sequence, keyed by the model's fingerprint (a quantized copy has its own), the
 * condition label, the text set and the settings (pooling and the interventions' canonical digest). A sequence
 * already stored for the same token ids is read back, the others are embedded {@code batch} at a time and each
 * batch committed at once, so an interrupted run resumes where it stopped and a rerun embeds nothing. Stored
 * vectors are the computed floats bit for bit (batches do not change the numbers, see {@link Embedder}).
 */
public final class StoredEmbeddings {
    /** The embeddings in input order, and how many of them were computed now (the rest came from the store). */
    public record Embedded(List<float[]> vectors, int computed) {
    }

    private final RunStore store;
    private final String textSet;
    private final int batch;

    /**
     * @param store   where finished embeddings live (an in-memory store keeps nothing between runs)
     * @param textSet names the sequences (e.g. "sciq-pairs:32" plus a digest of all their ids)
     */
    public StoredEmbeddings(RunStore store, String textSet, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch size " + batch);
        this.store = store;
        this.textSet = textSet;
        this.batch = batch;
    }

    /** The text-set name for {@code sequences}: {@code name} and a digest of every id of every sequence, in order. */
    public static String textSet(String name, List<int[]> sequences) {
        int total = 0;
        for (int[] s : sequences) total += s.length + 1;
        int[] all = new int[total];
        int at = 0;
        for (int[] s : sequences) {
            all[at++] = -s.length;   // the length as a separator: [1,2][3] and [1][2,3] differ
            System.arraycopy(s, 0, all, at, s.length);
            at += s.length;
        }
        return name + ":" + sequences.size() + ":" + Evaluation.digest(all);
    }

    public Embedded embed(Model model, Pooling pooling, Interventions iv, String condition, List<int[]> sequences) {
        RunStore.Key key = new RunStore.Key(ModelFingerprint.of(model), condition, textSet,
                "pooling=" + pooling + ";interventions=" + Evaluation.interventionsDigest(iv));
        Map<Integer, RunStore.StoredEmbedding> done = store.finishedEmbeddings(key);
        float[][] out = new float[sequences.size()][];
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            RunStore.StoredEmbedding e = done.get(i);
            if (e != null && e.tokensDigest().equals(Evaluation.digest(sequences.get(i)))) out[i] = e.vector();
            else todo.add(i);
        }
        Embedder embedder = todo.isEmpty() ? null : new Embedder(model, pooling);
        for (int from = 0; from < todo.size(); from += batch) {
            List<Integer> part = todo.subList(from, Math.min(todo.size(), from + batch));
            List<int[]> seqs = part.stream().map(sequences::get).toList();
            List<float[]> vectors = embedder.embed(seqs, seqs.size(), iv);
            for (int k = 0; k < part.size(); k++) {
                int i = part.get(k);
                store.putEmbedding(key, i, Evaluation.digest(sequences.get(i)), vectors.get(k));
                out[i] = vectors.get(k);
            }
        }
        return new Embedded(List.of(out), todo.size());
    }
}
