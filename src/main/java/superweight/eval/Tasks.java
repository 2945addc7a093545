package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import superweight.SuperweightException;
import superweight.eval.TaskSpec.Kind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in tasks, transcribed from lm-evaluation-harness's task YAMLs (zero-shot, version 1.0 of each) and
 * their data sources: first the superweight data directory layout, then the Hugging Face hub cache.
 */
public final class Tasks {
    private static final Map<String, TaskSpec> BUILT_IN = new LinkedHashMap<>();

    static {
        add(new TaskSpec("piqa", 1.0, Kind.MULTIPLE_CHOICE,
                d -> "Question: " + str(d, "goal") + "\nAnswer:",
                d -> List.of(str(d, "sol1"), str(d, "sol2")),
                d -> integer(d, "label"),
                null, " ", List.of("acc", "acc_norm"),
                List.of(DataSource.local("piqa/valid.jsonl", f -> withLabels(Documents.jsonLines(f), f.resolveSibling("valid-labels.lst"), "label", 0)),
                        DataSource.hub(List.of("ybisk/piqa", "piqa"), List.of("**validation*.parquet", "**valid*.jsonl"), Documents::table))));
        add(arc("arc_easy", "ARC-Easy"));
        add(arc("arc_challenge", "ARC-Challenge"));
        add(new TaskSpec("hellaswag", 1.0, Kind.MULTIPLE_CHOICE,
                Hellaswag::query, Hellaswag::endings,
                d -> integer(d, "label"),
                null, " ", List.of("acc", "acc_norm"),
                List.of(DataSource.local("hellaswag/hellaswag_val.jsonl", Documents::jsonLines),
                        DataSource.hub(List.of("Rowan/hellaswag", "hellaswag"), List.of("**validation*.parquet", "**hellaswag_val.jsonl"), Documents::table),
                        DataSource.local("hellaswag/hellaswag_val_full.txt", Hellaswag::readText))));
        add(new TaskSpec("lambada_openai", 1.0, Kind.LOGLIKELIHOOD,
                d -> {
                    String[] words = str(d, "text").split(" ", -1);
                    return String.join(" ", java.util.Arrays.copyOf(words, words.length - 1));
                },
                null, null,
                d -> {
                    String[] words = str(d, "text").split(" ", -1);
                    return " " + words[words.length - 1];
                },
                "", List.of("perplexity", "acc"),
                List.of(DataSource.local("lambada_openai/lambada_test.jsonl", Documents::jsonLines),
                        DataSource.hub(List.of("EleutherAI/lambada_openai"), List.of("default/**test*.parquet", "default/test/*.parquet", "**lambada_test.jsonl", "**lambada_test_en.jsonl"), Documents::table))));
        add(new TaskSpec("winogrande", 1.0, Kind.MULTIPLE_INPUT,
                null,
                d -> {
                    String s = str(d, "sentence");
                    int blank = blank(s);
                    return List.of(s.substring(0, blank) + str(d, "option1"), s.substring(0, blank) + str(d, "option2"));
                },
                d -> switch (str(d, "answer")) {
                    case "1" -> 0;
                    case "2" -> 1;
                    default -> throw new SuperweightException("winogrande: answer '" + str(d, "answer") + "' is not 1 or 2 in " + d);
                },
                d -> {
                    String s = str(d, "sentence");
                    return s.substring(blank(s) + 1).strip();
                },
                " ", List.of("acc"),
                List.of(DataSource.local("winogrande/dev.jsonl", Documents::jsonLines),
                        DataSource.hub(List.of("allenai/winogrande", "winogrande"), List.of("winogrande_xl/**validation*.parquet", "**winogrande_xl/validation*.parquet"), Documents::table))));
        add(new TaskSpec("sciq", 1.0, Kind.MULTIPLE_CHOICE,
                d -> str(d, "support").stripLeading() + "\nQuestion: " + str(d, "question") + "\nAnswer:",
                d -> List.of(str(d, "distractor1"), str(d, "distractor2"), str(d, "distractor3"), str(d, "correct_answer")),
                d -> 3,
                null, " ", List.of("acc", "acc_norm"),
                List.of(DataSource.local("sciq/test.json", Documents::jsonArray),
                        DataSource.hub(List.of("allenai/sciq", "sciq"), List.of("**test*.parquet"), Documents::table))));
    }

    static {
        // lm-eval's wikitext (version 2.0): document-level WikiText-2 test pages, detokenized, rolling log-likelihood.
        add(new TaskSpec("wikitext", 2.0, Kind.LOGLIKELIHOOD_ROLLING,
                d -> str(d, "page"), null, null,
                d -> Wikitext.detokenize(str(d, "page")),
                "", List.of("word_perplexity", "byte_perplexity", "bits_per_byte"),
                List.of(DataSource.local("wikitext-2-raw/wiki.test.raw", f -> Wikitext.records(Documents.text(f))),
                        DataSource.hub(List.of("EleutherAI/wikitext_document_level"), List.of("wikitext-2-raw-v1/**test*.parquet"), Documents::table))));
    }

    private Tasks() {
    }

    /** Registers a task; its pinned Hub file (DatasetPin), where it has one, is its last source (read as a table). */
    private static void add(TaskSpec t) {
        List<DataSource> sources = new ArrayList<>(t.sources());
        DatasetPin.of(t.name()).ifPresent(p -> sources.add(p.source(Documents::table)));
        BUILT_IN.put(t.name(), new TaskSpec(t.name(), t.version(), t.kind(), t.text(), t.choices(), t.gold(), t.target(),
                t.targetDelimiter(), t.metrics(), sources));
    }

    private static TaskSpec arc(String name, String config) {
        String file = name + "/" + config + "-Test.jsonl";
        return new TaskSpec(name, 1.0, Kind.MULTIPLE_CHOICE,
                d -> "Question: " + str(d, "question") + "\nAnswer:",
                d -> {
                    List<String> out = new ArrayList<>();
                    for (JsonNode t : d.path("choices").path("text")) out.add(t.asText());
                    return out;
                },
                d -> {
                    String key = str(d, "answerKey");
                    JsonNode labels = d.path("choices").path("label");
                    for (int i = 0; i < labels.size(); i++) if (labels.get(i).asText().equals(key)) return i;
                    throw new SuperweightException(name + ": answerKey '" + key + "' is not among the choice labels " + labels);
                },
                null, " ", List.of("acc", "acc_norm"),
                List.of(DataSource.local(file, f -> Documents.jsonLines(f).stream().map(Tasks::arcToHf).toList()),
                        DataSource.hub(List.of("allenai/ai2_arc", "ai2_arc"), List.of(config + "/**test*.parquet"), Documents::table)));
    }

    /** AI2's ARC jsonl ({"question": {"stem", "choices": [{text, label}]}, "answerKey"}) to the HF ai2_arc fields. */
    static JsonNode arcToHf(JsonNode d) {
        ObjectNode out = Documents.JSON.createObjectNode();
        out.put("id", d.path("id").asText());
        out.put("question", d.path("question").path("stem").asText());
        ObjectNode choices = out.putObject("choices");
        ArrayNode text = choices.putArray("text"), label = choices.putArray("label");
        for (JsonNode c : d.path("question").path("choices")) {
            text.add(c.path("text").asText());
            label.add(c.path("label").asText());
        }
        out.put("answerKey", d.path("answerKey").asText());
        return out;
    }

    /** Adds the labels of a one-label-per-line file (PIQA's valid-labels.lst) to the records as integer field {@code field}. */
    static List<JsonNode> withLabels(List<JsonNode> docs, Path labels, String field, int offset) {
        List<String> lines = Documents.lines(labels).stream().filter(l -> !l.isBlank()).toList();
        if (lines.size() != docs.size()) {
            throw new SuperweightException(labels + ": " + lines.size() + " labels for " + docs.size() + " records");
        }
        for (int i = 0; i < docs.size(); i++) {
            try {
                ((ObjectNode) docs.get(i)).put(field, Integer.parseInt(lines.get(i).strip()) - offset);
            } catch (NumberFormatException e) {
                throw new SuperweightException(labels + ":" + (i + 1) + ": label '" + lines.get(i) + "' is not an integer");
            }
        }
        return docs;
    }

    private static String str(JsonNode d, String field) {
        JsonNode v = d.get(field);
        if (v == null || v.isNull()) throw new SuperweightException("record has no field '" + field + "': " + abbreviate(d));
        return v.asText();
    }

    private static int integer(JsonNode d, String field) {
        String s = str(d, field).strip();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new SuperweightException("field '" + field + "' = '" + s + "' is not an integer in " + abbreviate(d));
        }
    }

    private static int blank(String sentence) {
        int i = sentence.indexOf('_');
        if (i < 0) throw new SuperweightException("winogrande: sentence has no '_': " + sentence);
        return i;
    }

    private static String abbreviate(JsonNode d) {
        String s = d.toString();
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    public static List<String> names() {
        return List.copyOf(BUILT_IN.keySet());
    }

    public static TaskSpec get(String name) {
        TaskSpec t = BUILT_IN.get(name);
        if (t == null) throw new SuperweightException("unknown task '" + name + "' (known: " + String.join(", ", names()) + ")");
        return t;
    }

    /** The documents of a task from the first source that exists; a one-line error lists every place looked at. */
    public static List<JsonNode> documents(TaskSpec task, DataDirs dirs) {
        for (DataSource s : task.sources()) {
            List<Path> files = s.locate().apply(dirs);
            if (!files.isEmpty()) return s.read().apply(dirs, files);
        }
        List<String> places = task.sources().stream().map(DataSource::where).toList();
        throw new SuperweightException(task.name() + ": data not found; looked for " + String.join(", ", places)
                + " with <data> = " + dirs.dataDir() + " and <hf-hub> = " + dirs.hfHub()
                + "; put the files there, pass --data-dir, or download the data set with the Hugging Face 'datasets' library");
    }
}
