package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import superweight.SuperweightException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * HellaSwag's prompt rules (lm-eval {@code hellaswag/utils.py}) and a reader for llama.cpp's 6-line text format.
 *
 * <p>lm-eval: query = preprocess(activity_label + ": " + ctx_a + " " + capitalize(ctx_b)), each ending preprocessed,
 * where preprocess = strip, " [title]" -> ". ", every "[...]" removed, "  " -> " ".
 *
 * <p>The llama.cpp text file already holds "activity_label: ctx" with ctx = ctx_a + " " + ctx_b and ctx_b NOT
 * capitalised; the ctx_a/ctx_b boundary is lost, so the query from that file is preprocess(line 1) without the
 * capitalisation (a documented deviation). Its records get the field {@code query} instead of ctx_a/ctx_b.
 */
final class Hellaswag {
    private static final Pattern BRACKETED = Pattern.compile("\\[.*?\\]");

    private Hellaswag() {
    }

    static String preprocess(String text) {
        String t = text.strip();
        t = t.replace(" [title]", ". ");
        t = BRACKETED.matcher(t).replaceAll("");
        return t.replace("  ", " ");
    }

    /** Python's str.capitalize(): first character upper case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int len = Character.charCount(first);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first)).append(s.substring(len).toLowerCase(java.util.Locale.ROOT)).toString();
    }

    static String query(JsonNode doc) {
        if (doc.has("query")) return preprocess(doc.get("query").asText());
        return preprocess(doc.path("activity_label").asText() + ": " + doc.path("ctx_a").asText() + " "
                + capitalize(doc.path("ctx_b").asText()));
    }

    static List<String> endings(JsonNode doc) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : doc.path("endings")) out.add(preprocess(e.asText()));
        return out;
    }

    /** llama.cpp's text layout: 6 lines per task (query, gold 0-3, four endings). */
    static List<JsonNode> readText(Path file) {
        List<String> lines = Documents.lines(file);
        if (lines.size() % 6 != 0) {
            throw new SuperweightException(file + ": " + lines.size() + " lines, not a multiple of 6 (llama.cpp HellaSwag text format)");
        }
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i += 6) {
            ObjectNode doc = Documents.JSON.createObjectNode();
            doc.put("query", lines.get(i));
            String label = lines.get(i + 1).strip();
            if (!label.matches("[0-3]")) {
                throw new SuperweightException(file + ":" + (i + 2) + ": gold label '" + label + "' is not 0-3");
            }
            doc.put("label", label);
            ArrayNode endings = doc.putArray("endings");
            for (int k = 2; k < 6; k++) endings.add(lines.get(i + k));
            out.add(doc);
        }
        return out;
    }
}
