package superweight.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a sentence embedding is read off an encoder's last hidden state, as sentence-transformers does it: the
 * mean over the sequence's tokens (all of them, [CLS] and [SEP] included, since its attention mask is all ones),
 * or the [CLS] row. The result is L2-normalised by {@link #embed}.
 */
public enum Pooling {
    MEAN, CLS;

    /** The pooled vector [hidden] of one sequence's hidden states [n][hidden]. */
    public float[] pool(float[] hidden, int n, int d) {
        float[] out = new float[d];
        if (this == CLS) {
            System.arraycopy(hidden, 0, out, 0, d);
            return out;
        }
        double[] sum = new double[d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) sum[j] += hidden[i * d + j];
        for (int j = 0; j < d; j++) out[j] = (float) (sum[j] / n);
        return out;
    }

    /** The pooled, L2-normalised embedding. */
    public float[] embed(float[] hidden, int n, int d) {
        float[] v = pool(hidden, n, d);
        double ss = 0;
        for (float x : v) ss += (double) x * x;
        float inv = (float) (1.0 / Math.max(Math.sqrt(ss), 1e-12)); // torch.nn.functional.normalize's eps
        for (int j = 0; j < d; j++) v[j] *= inv;
        return v;
    }

    /**
     * The pooling a sentence-transformers folder declares in {@code 1_Pooling/config.json}, or null when it has
     * none. Modes this class does not compute (max, weighted mean, last token, several at once) are refused.
     */
    public static Pooling declared(Path modelDir) {
        Path cfg = modelDir.resolve("1_Pooling").resolve("config.json");
        if (!Files.isRegularFile(cfg)) return null;
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(cfg.toFile());
        } catch (IOException e) {
            throw new SuperweightException(cfg + ": cannot read JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        boolean mean = c.path("pooling_mode_mean_tokens").asBoolean(false), cls = c.path("pooling_mode_cls_token").asBoolean(false);
        for (String other : new String[]{"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                "pooling_mode_lasttoken"}) {
            if (c.path(other).asBoolean(false)) throw new SuperweightException(cfg + ": " + other + " is not supported (mean or cls only)");
        }
        if (mean == cls) throw new SuperweightException(cfg + ": expected exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token");
        return mean ? MEAN : CLS;
    }
}
