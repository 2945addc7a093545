package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * lm-eval's {@code wikitext} task data: the document-level WikiText-2 ({@code EleutherAI/wikitext_document_level},
 * {@code wikitext-2-raw-v1}: one "page" per top-level {@code " = Title = "} heading of the raw file), the task's
 * {@code wikitext_detokenizer} (applied to the page before tokenization), and the word and byte counts its
 * {@code process_results} takes from the page as it was BEFORE detokenization.
 */
final class Wikitext {
    private Wikitext() {
    }

    /**
     * The pages of a raw WikiText file, as the document-level data set's script cuts them: the file split at "\n";
     * a line that (after "= = =" → "===", "= =" → "==" and strip) starts with "= " and ends with " =" starts a new
     * page; the lines of a page are joined with "\n"; a page that is only whitespace is dropped, except the last.
     */
    static List<String> pages(String raw) {
        List<String> pages = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String line : raw.split("\n", -1)) {
            String r = Python.strip(line.replace("= = =", "===").replace("= =", "=="));
            if (r.startsWith("= ") && r.endsWith(" =")) {
                String page = String.join("\n", lines);
                if (!Python.strip(page).isEmpty()) pages.add(page);
                lines.clear();
            }
            lines.add(line);
        }
        pages.add(String.join("\n", lines));
        return pages;
    }

    /** The raw file as the data set's records ({"page": ...}). */
    static List<JsonNode> records(String raw) {
        return pages(raw).stream().map(p -> (JsonNode) Documents.JSON.createObjectNode().put("page", p)).toList();
    }

    // Python's \s on str is str.isspace(): Java's Unicode \s plus the separators U+001C..U+001F.
    private static final String WS = "[\\s\\x1c-\\x1f]";
    private static final Pattern SLASH_QUOTE = Pattern.compile("/' [0-9]/"),
            PARENS = Pattern.compile("(?U)\\(" + WS + "*([^\\)]*?)" + WS + "*\\)"),
            BRACKETS = Pattern.compile("(?U)\\[" + WS + "*([^\\]]*?)" + WS + "*\\]"),
            BRACES = Pattern.compile("(?U)\\{" + WS + "*([^}]*?)" + WS + "*}"),
            DOUBLE_QUOTES = Pattern.compile("(?U)\"" + WS + "*([^\"]*?)" + WS + "*\""),
            SINGLE_QUOTES = Pattern.compile("(?U)'" + WS + "*([^']*?)" + WS + "*'");

    /** lm-eval's {@code preprocess_wikitext.wikitext_detokenizer}, step by step in the same order. */
    static String detokenize(String s) {
        s = s.replace("s '", "s'");
        s = SLASH_QUOTE.matcher(s).replaceAll("/'[0-9]/");   // sic: the reference replaces with the literal text
        s = s.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".");
        s = s.replace(" : ", ": ").replace(" ; ", "; ").replace(" . ", ". ").replace(" ! ", "! ").replace(" ? ", "? ")
                .replace(" , ", ", ");
        s = PARENS.matcher(s).replaceAll("($1)");
        s = BRACKETS.matcher(s).replaceAll("[$1]");
        s = BRACES.matcher(s).replaceAll("{$1}");
        s = DOUBLE_QUOTES.matcher(s).replaceAll("\"$1\"");
        s = SINGLE_QUOTES.matcher(s).replaceAll("'$1'");
        s = s.replace("= = = =", "====").replace("= = =", "===").replace("= =", "==");
        s = s.replace(" \u00b0 ", "\u00b0");
        s = s.replace(" \n", "\n").replace("\n ", "\n").replace(" N ", " 1 ").replace(" 's", "'s");
        return s;
    }

    /** {@code len(re.split(r"\s+", page))}: one more than the number of whitespace runs (empty ends count). */
    static int words(String page) {
        int runs = 0;
        boolean inRun = false;
        for (int i = 0; i < page.length(); ) {
            int cp = page.codePointAt(i);
            boolean space = Python.isSpace(cp);
            if (space && !inRun) runs++;
            inRun = space;
            i += Character.charCount(cp);
        }
        return runs + 1;
    }

    /** {@code len(page.encode("utf-8"))}. */
    static int bytes(String page) {
        return page.getBytes(StandardCharsets.UTF_8).length;
    }
}
