package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a built-in task or perplexity data set is fetched from the Hugging Face Hub when it is in neither the data
 * directory nor the datasets cache: the data set repository lm-evaluation-harness (or GPTQ) loads, a revision and
 * the one file holding the evaluated split. Script-based data sets (whose repository holds a loading script, not the
 * data) are read from the Hub's Parquet conversion, the ref {@code refs/convert/parquet}, laid out
 * {@code <config>/<split>/0000.parquet}. {@code sha256} pins the content where it was checked against independent
 * public records; elsewhere the revision is a branch or ref, resolved to a commit at download time (the cache's
 * {@code refs/} keeps which). The eval package only describes the pins; {@code hub} downloads them.
 */
public record DatasetPin(String name, String repo, String revision, String file, String sha256) {
    static final String PARQUET_CONVERSION = "refs/convert/parquet";
    private static final Map<String, DatasetPin> PINS = new LinkedHashMap<>();

    static {
        pin("piqa", "ybisk/piqa", PARQUET_CONVERSION, "plain_text/validation/0000.parquet", null);
        pin("arc_easy", "allenai/ai2_arc", "210d026faf9955653af8916fad021475a3f00453", "ARC-Easy/test-00000-of-00001.parquet",
                "4160597d618ae851c7eb04e281574f3f654776216ac6b6641588d64527b47177");
        pin("arc_challenge", "allenai/ai2_arc", "210d026faf9955653af8916fad021475a3f00453", "ARC-Challenge/test-00000-of-00001.parquet",
                "62f03257e737aed263f55c6abf87c7bb0028a44a6bdd2a26eb1279eb42c1d1e9");
        pin("hellaswag", "Rowan/hellaswag", "218ec52e09a7e7462a5400043bb9a69a41d06b76", "data/validation-00000-of-00001.parquet", null);
        pin("winogrande", "allenai/winogrande", "01e74176c63542e6b0bcb004dcdea22d94fb67b5", "winogrande_xl/validation-00000-of-00001.parquet", null);
        pin("sciq", "allenai/sciq", PARQUET_CONVERSION, "default/test/0000.parquet", null);
        pin("lambada_openai", "EleutherAI/lambada_openai", PARQUET_CONVERSION, "default/test/0000.parquet", null);
        pin("wikitext", "EleutherAI/wikitext_document_level", PARQUET_CONVERSION, "wikitext-2-raw-v1/test/0000.parquet", null);
        pin("wikitext2", "Salesforce/wikitext", "main", "wikitext-2-raw-v1/test-00000-of-00001.parquet", null);
        pin("c4", "allenai/c4", "main", TextCorpus.C4_SHARD, null);
        pin("c4-new", "allenai/c4", "main", TextCorpus.C4_SHARD, null);
    }

    private static void pin(String name, String repo, String revision, String file, String sha256) {
        PINS.put(name, new DatasetPin(name, repo, revision, file, sha256));
    }

    /** The pin of a task (lm-eval name) or perplexity data set (wikitext2, c4, c4-new), if it has one. */
    public static Optional<DatasetPin> of(String name) {
        return Optional.ofNullable(PINS.get(name));
    }

    public static List<DatasetPin> all() {
        return List.copyOf(PINS.values());
    }

    /** Reading the pinned file where the Hub cache keeps it (any snapshot of the repository). */
    DataSource source(Function<Path, List<JsonNode>> reader) {
        return DataSource.hub(List.of(repo), List.of(file), reader);
    }

    /** Whether the data set is found locally (data directory or Hugging Face cache) without downloading. */
    public static boolean present(String name, DataDirs dirs) {
        List<DataSource> sources = Tasks.names().contains(name) ? Tasks.get(name).sources() : TextCorpus.sources(name);
        return sources.stream().anyMatch(s -> !s.locate().apply(dirs).isEmpty());
    }
}
