package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The text of a perplexity data set, assembled the way the tool being compared against assembles it.
 *
 * <ul>
 *   <li>wikitext2, GPTQ style: the HF rows of WikiText-2-raw test joined with "\n\n" (GPTQ/AWQ/SmoothQuant). The raw
 *   file's lines are the rows: a line " \n" is the empty row "", any other line is a row including its "\n".</li>
 *   <li>wikitext2, llama.cpp style: the raw file {@code wiki.test.raw} as is (what llama-perplexity -f reads).</li>
 *   <li>c4: GPTQ's original rule (256 windows drawn at random from long documents, see {@link C4Sampler}); the text
 *   is not joined, {@link #documents} holds the documents.</li>
 *   <li>c4-new: GPTQ's "c4-new" rule (first 1100 documents joined with " ", at most 256 windows).</li>
 *   <li>any other value: a UTF-8 text file read as is.</li>
 * </ul>
 * Both C4 rules read {@code en/c4-validation.00000-of-00008.json.gz} from the HF cache when it is there; on any other
 * documents (the shared 2000-document sample) the data set is named "c4-like" / "c4-new-like": the same rule, not
 * GPTQ's documents, so not comparable digit for digit with papers.
 *
 * @param name       the data set as reported and keyed in the run store
 * @param rule       which assembly rule was applied (reported with every number)
 * @param source     the file the text came from
 * @param maxWindows the data set's own cap on windows (0 = none)
 * @param documents  the documents the c4 rule samples from (empty for the other data sets)
 */
public record TextCorpus(String name, String rule, Path source, String text, int maxWindows, List<String> documents) {
    static final int C4_DOCUMENTS = 1100, C4_WINDOWS = 256;
    static final String C4_SHARD = "en/c4-validation.00000-of-00008.json.gz";

    public TextCorpus {
        documents = List.copyOf(documents);
    }

    private static final List<DataSource> WIKITEXT2 = List.of(
            DataSource.local("wikitext-2-raw/wiki.test.raw", f -> List.of(Documents.JSON.createObjectNode().put("raw", Documents.text(f)))),
            DataSource.hub(List.of("Salesforce/wikitext", "wikitext"), List.of("wikitext-2-raw-v1/**test*.parquet"), Documents::table));
    // GPTQ's shard first: only it makes the number GPTQ's; the shared sample gives a "C4-like" number.
    private static final List<DataSource> C4 = List.of(
            DataSource.hub(List.of("allenai/c4"), List.of(C4_SHARD), Documents::table),
            DataSource.local("c4_validation_sample/c4_validation_2k.parquet", Documents::table));

    /** Where a named data set (wikitext2, c4, c4-new) is looked for, in order; none for a file path. */
    static List<DataSource> sources(String dataset) {
        return switch (dataset) {
            case "wikitext2" -> WIKITEXT2;
            case "c4", "c4-new" -> C4;
            default -> List.of();
        };
    }

    public static TextCorpus load(String dataset, Perplexity.Style style, DataDirs dirs) {
        return switch (dataset) {
            case "wikitext2" -> {
                Found f = find("wikitext2", WIKITEXT2, dirs);
                yield wikitext2(f.records(), style, f.file());
            }
            case "c4", "c4-new" -> {
                Found f = find(dataset, C4, dirs);
                List<String> docs = f.records().stream().map(r -> r.path("text").asText()).toList();
                boolean shard = f.file().toString().replace('\\', '/').endsWith(C4_SHARD);
                yield dataset.equals("c4") ? c4(docs, shard, f.file()) : c4New(docs, shard, f.file());
            }
            default -> {
                Path p = Path.of(dataset);
                if (!Files.isRegularFile(p)) {
                    throw new SuperweightException(dataset + ": neither a known data set (wikitext2, c4, c4-new) nor a readable file");
                }
                yield new TextCorpus(p.getFileName().toString(), "text file as is", p, Documents.text(p), 0, List.of());
            }
        };
    }

    static TextCorpus wikitext2(List<JsonNode> records, Perplexity.Style style, Path source) {
        List<String> rows;
        String raw;
        if (records.size() == 1 && records.getFirst().has("raw")) {
            raw = records.getFirst().get("raw").asText();
            rows = rawToRows(raw);
        } else {
            rows = records.stream().map(r -> r.path("text").asText()).toList();
            StringBuilder sb = new StringBuilder();
            for (String r : rows) sb.append(r.isEmpty() ? " \n" : r);
            raw = sb.toString();
        }
        return style == Perplexity.Style.LLAMACPP
                ? new TextCorpus("wikitext2", "raw wiki.test.raw bytes (llama-perplexity -f)", source, raw, 0, List.of())
                : new TextCorpus("wikitext2", "HF test rows joined with \"\\n\\n\" (GPTQ)", source, String.join("\n\n", rows), 0, List.of());
    }

    /** The HF rows of a WikiText raw file: each line with its "\n", and "" for a blank line (" \n"). */
    static List<String> rawToRows(String raw) {
        List<String> rows = new java.util.ArrayList<>();
        int start = 0;
        while (start < raw.length()) {
            int nl = raw.indexOf('\n', start);
            int end = nl < 0 ? raw.length() : nl + 1;
            String line = raw.substring(start, end);
            rows.add(line.isBlank() ? "" : line);
            start = end;
        }
        return rows;
    }

    static TextCorpus c4(List<String> docs, boolean shard, Path source) {
        return new TextCorpus(shard ? "c4" : "c4-like",
                "GPTQ c4: " + C4_WINDOWS + " windows drawn with Python random.seed(0) from documents of at least ctx tokens"
                        + (shard ? "" : " (C4-like: not GPTQ's validation shard)"),
                source, "", C4_WINDOWS, docs);
    }

    static TextCorpus c4New(List<String> docs, boolean shard, Path source) {
        int n = Math.min(C4_DOCUMENTS, docs.size());
        return new TextCorpus(shard ? "c4-new" : "c4-new-like",
                "GPTQ c4-new: first " + C4_DOCUMENTS + " documents joined with \" \", at most " + C4_WINDOWS + " windows"
                        + (shard ? "" : " (C4-like: not GPTQ's validation shard)"),
                source, String.join(" ", docs.subList(0, n)), C4_WINDOWS, List.of());
    }

    /** Whether the corpus is sampled by windows from documents (the c4 rule) rather than cut from one text. */
    boolean sampled() {
        return !documents.isEmpty();
    }

    private record Found(List<JsonNode> records, Path file) {
    }

    private static Found find(String name, List<DataSource> sources, DataDirs dirs) {
        for (DataSource s : sources) {
            List<Path> files = s.locate().apply(dirs);
            if (!files.isEmpty()) return new Found(s.read().apply(dirs, files), files.getFirst());
        }
        throw new SuperweightException(name + ": data not found; looked for "
                + String.join(", ", sources.stream().map(DataSource::where).toList())
                + " with <data> = " + dirs.dataDir() + " and <hf-hub> = " + dirs.hfHub() + "; put the files there or pass --data-dir");
    }
}
