package superweight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.analysis.EmbeddingAgreement;
import superweight.engine.Embedder;
import superweight.engine.Interventions;
import superweight.engine.Pooling;
import superweight.eval.DataDirs;
import superweight.eval.RunStore;
import superweight.eval.StoredEmbeddings;
import superweight.model.Model;
import superweight.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the commands that compare conditions (embed-ablate, and ablate, quant-sweep, quant-table on an encoder)
 * measure an encoder: embedding agreement with the original model on texts and pairs built from SciQ (question vs
 * its own support passage = related, vs the next item's = unrelated). Embeddings go to the run store under
 * (model fingerprint, condition, text set, pooling + interventions), so a rerun embeds nothing twice.
 */
final class EmbeddingAgreementOptions {
    static final int BATCH = 8;

    @Option(names = "--pairs", defaultValue = "32", paramLabel = "N",
            description = "Encoders: SciQ validation items with a support passage to use (2N texts, 2N pairs; default ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--query-prefix", defaultValue = "", paramLabel = "TEXT", description = "Encoders: before each question (E5: \"query: \").")
    String queryPrefix;

    @Option(names = "--passage-prefix", defaultValue = "", paramLabel = "TEXT", description = "Encoders: before each passage (E5: \"passage: \").")
    String passagePrefix;

    @Option(names = "--pooling", defaultValue = "mean", paramLabel = "mean|cls", description = "Encoders: pooling (default ${DEFAULT-VALUE}).")
    String pooling;

    private EmbeddingAgreement agreement;
    private int texts, pairs, pending, computed;

    /** Reads the pairs and embeds them with the original model; each call opens the store ({@code store} null = keep nothing). */
    void prepare(AnalysisSession s, Path dataDir, Path store) {
        prepare(s.model, s.tokenizer(), dataDir, store);
    }

    void prepare(Model model, Tokenizer tokenizer, Path dataDir, Path store) {
        if (!model.isEncoder()) throw new IllegalStateException("embedding agreement needs an encoder");
        if (items < 2) throw new SuperweightException("--pairs: must be at least 2");
        Pooling p = switch (pooling) {
            case "mean" -> Pooling.MEAN;
            case "cls" -> Pooling.CLS;
            default -> throw new SuperweightException("--pooling: '" + pooling + "' is not mean or cls");
        };
        List<String[]> sciq = sciq(dataDir != null ? dataDir : DataDirs.defaultDataDir(), items);
        List<int[]> seqs = new ArrayList<>();
        List<EmbeddingAgreement.Pair> ps = new ArrayList<>();
        for (String[] item : sciq) {
            seqs.add(encode(model, tokenizer, queryPrefix + item[0]));
            seqs.add(encode(model, tokenizer, passagePrefix + item[1]));
        }
        for (int i = 0; i < sciq.size(); i++) {
            int[] q = seqs.get(2 * i), passage = seqs.get(2 * i + 1), other = seqs.get((2 * i + 3) % seqs.size());
            ps.add(new EmbeddingAgreement.Pair(q, passage, true));
            ps.add(new EmbeddingAgreement.Pair(q, other, false));
        }
        String textSet = StoredEmbeddings.textSet("sciq-pairs", seqs);
        EmbeddingAgreement.Source source = (condition, m, iv, sequences) -> {
            try (RunStore st = store != null ? RunStore.open(store) : RunStore.inMemory()) {
                StoredEmbeddings.Embedded e = new StoredEmbeddings(st, textSet, BATCH).embed(m, p, iv, condition, sequences);
                pending += e.computed();
                return e.vectors();
            }
        };
        texts = seqs.size();
        pairs = ps.size();
        agreement = new EmbeddingAgreement(model, seqs, ps, source);
    }

    /**
     * For the commands that evaluate decoders through {@link EvaluationOptions}: an encoder takes the data directory
     * and run store from there, and refuses what needs next-token probabilities.
     */
    void prepare(AnalysisSession s, EvaluationOptions e) {
        if (e.requested()) {
            throw new SuperweightException(s.modelPath + ": an encoder has no next-token probabilities, so --ppl, --tasks and "
                    + "--ppl-tokens do not apply; its conditions are measured by embedding agreement (--pairs, --query-prefix, --passage-prefix)");
        }
        prepare(s, e.dataDir(), e.storeFile());
    }

    int texts() {
        return texts;
    }

    int pairs() {
        return pairs;
    }

    /** metric -> value for one condition: mean_cosine, min_cosine, spearman, auc (and how many sequences were embedded now). */
    Map<String, Double> evaluate(String condition, Model model, Interventions iv) {
        EmbeddingAgreement.Result res = agreement.measure(condition, model, iv);
        computed = pending;
        pending = 0;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("mean_cosine", res.meanCosine());
        m.put("min_cosine", res.minCosine());
        m.put("spearman", res.spearman());
        m.put("auc", res.auc());
        return m;
    }

    /**
     * Sequences embedded for the last {@link #evaluate} (0 when every one came from the store); the first call also
     * counts the original model's embeddings, made in {@link #prepare}.
     */
    int computed() {
        return computed;
    }

    private static int[] encode(Model model, Tokenizer tokenizer, String text) {
        return Embedder.truncate(tokenizer.encode(text, true, false), model.config().contextLength());
    }

    /** The first n SciQ validation items that have a support passage: {question, support}. */
    static List<String[]> sciq(Path dataDir, int n) {
        Path file = dataDir.resolve("sciq").resolve("valid.json");
        JsonNode all;
        try {
            all = Cli.JSON.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new SuperweightException(file + ": cannot read (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        List<String[]> r = new ArrayList<>();
        for (JsonNode item : all) {
            String q = item.path("question").asText(""), support = item.path("support").asText("");
            if (!q.isBlank() && !support.isBlank()) r.add(new String[]{q, support});
            if (r.size() == n) break;
        }
        if (r.size() < n) throw new SuperweightException(file + ": only " + r.size() + " items with a support passage (asked for " + n + ")");
        return r;
    }
}
