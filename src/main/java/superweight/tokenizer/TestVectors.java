package superweight.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The llama.cpp tokenizer test-vector format: an .inp file holds strings, each followed by the line
 * {@code __ggml_vocab_test__}; the matching .out file has one line per string with its ids, each preceded by a space.
 */
public final class TestVectors {
    public static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    private TestVectors() {
    }

    /** The strings of an .inp file (a string may be empty or contain newlines). */
    public static List<String> parseInputs(String content) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int at = content.indexOf(SEPARATOR, start);
            if (at < 0) break;
            out.add(content.substring(start, at));
            start = at + SEPARATOR.length();
        }
        if (start < content.length()) out.add(content.substring(start)); // a last string without separator
        return out;
    }

    /** One .out line: every id preceded by a space. */
    public static String formatIds(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(' ').append(id);
        return sb.toString();
    }
}
