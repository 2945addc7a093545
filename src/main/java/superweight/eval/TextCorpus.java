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
 *   <li>c4: GPTQ's "c4-new" rule (first 1100 documents joined with " ", at most 256 windows) applied to the
 *   documents available; see docs/eval.md: the shared sample is NOT GPTQ's validation shard.</li>
 *   <li>any other value: a UTF-8 text file read as is.</li>
 * </ul>
 *
 * @param maxWindows the data set's own cap on windows (0 = none)
 */
public record TextCorpus(String name, String text, int maxWindows) {
    static final int C4_DOCUMENTS = 1100, C4_WINDOWS = 256;

    private static final List<DataSource> WIKITEXT2 = List.of(
            DataSource.local("wikitext-2-raw/wiki.test.raw", f -> List.of(Documents.JSON.createObjectNode().put("raw", Documents.text(f)))),
            DataSource.hub(List.of("Salesforce/wikitext", "wikitext"), List.of("wikitext-2-raw-v1/**test*.parquet"), Documents::table));
    private static final List<DataSource> C4 = List.of(
            DataSource.local("c4_validation_sample/c4_validation_2k.parquet", Documents::table),
            DataSource.hub(List.of("allenai/c4"), List.of("en/c4-validation.00000-of-00008.json.gz"), Documents::table));

    public static TextCorpus load(String dataset, Perplexity.Style style, DataDirs dirs) {
        return switch (dataset) {
            case "wikitext2" -> wikitext2(find("wikitext2", WIKITEXT2, dirs), style);
            case "c4" -> c4(find("c4", C4, dirs));
            default -> {
                Path p = Path.of(dataset);
                if (!Files.isRegularFile(p)) {
                    throw new SuperweightException(dataset + ": neither a known data set (wikitext2, c4) nor a readable file");
                }
                yield new TextCorpus(p.getFileName().toString(), Documents.text(p), 0);
            }
        };
    }

    static TextCorpus wikitext2(List<JsonNode> records, Perplexity.Style style) {
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
        return new TextCorpus("wikitext2", style == Perplexity.Style.LLAMACPP ? raw : String.join("\n\n", rows), 0);
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

    static TextCorpus c4(List<JsonNode> docs) {
        int n = Math.min(C4_DOCUMENTS, docs.size());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(' ');
            sb.append(docs.get(i).path("text").asText());
        }
        return new TextCorpus("c4", sb.toString(), C4_WINDOWS);
    }

    private static List<JsonNode> find(String name, List<DataSource> sources, DataDirs dirs) {
        for (DataSource s : sources) {
            List<Path> files = s.locate().apply(dirs);
            if (!files.isEmpty()) return s.read().apply(dirs, files);
        }
        throw new SuperweightException(name + ": data not found; looked for "
                + String.join(", ", sources.stream().map(DataSource::where).toList())
                + " with <data> = " + dirs.dataDir() + " and <hf-hub> = " + dirs.hfHub() + "; put the files there or pass --data-dir");
    }
}
