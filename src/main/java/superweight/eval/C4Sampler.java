package superweight.eval;

import superweight.SuperweightException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * GPTQ's original C4 evaluation windows ({@code get_c4} in IST-DASLab/gptq {@code datautils.py}): with Python's
 * {@code random.seed(0)}, 256 times: draw a document index with {@code randint(0, len(docs) - 1)} until the document
 * encodes to at least {@code seqlen} tokens (the tokenizer's default call, so BOS included where the tokenizer adds
 * it), then a start with {@code randint(0, len - seqlen - 1)}, and keep tokens [start, start + seqlen). The windows
 * are concatenated; perplexity then cuts them back into windows of {@code seqlen}.
 */
final class C4Sampler {
    private C4Sampler() {
    }

    /**
     * @param encode the tokenizer call (as HF's {@code tokenizer(text)}: with BOS where the tokenizer adds it)
     * @param windows how many windows (GPTQ: 256)
     */
    static int[] sample(List<String> docs, Function<String, int[]> encode, int seqlen, int windows) {
        if (docs.isEmpty()) throw new SuperweightException("c4: no documents");
        PythonRandom random = new PythonRandom(0);
        Map<Integer, int[]> encoded = new HashMap<>();
        int[] out = new int[windows * seqlen];
        for (int w = 0; w < windows; w++) {
            int[] doc;
            while (true) {
                int i = (int) random.randint(0, docs.size() - 1);
                doc = encoded.computeIfAbsent(i, k -> encode.apply(docs.get(k)));
                if (doc.length >= seqlen) break;
                if (encoded.size() == docs.size() && encoded.values().stream().allMatch(d -> d.length < seqlen)) {
                    throw new SuperweightException("c4: none of the " + docs.size() + " documents has " + seqlen
                            + " tokens (GPTQ's rule samples windows from such documents only); use a shorter --ctx");
                }
            }
            if (doc.length == seqlen) {
                // GPTQ's randint(0, -1) raises ValueError here; saying so beats inventing a window it never took.
                throw new SuperweightException("c4: a drawn document has exactly " + seqlen
                        + " tokens, where GPTQ's script fails (randint(0, -1)); use another --ctx");
            }
            int start = (int) random.randint(0, doc.length - seqlen - 1);
            System.arraycopy(doc, start, out, w * seqlen, seqlen);
        }
        return out;
    }
}
