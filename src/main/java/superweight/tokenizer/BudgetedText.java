package superweight.tokenizer;

import superweight.SuperweightException;

/**
 * The text a stranger's regex (a tokenizer.json pre-tokenizer or normalizer pattern) is matched against, with a
 * budget of character reads: java.util.regex backtracks, and a pattern such as {@code (a+)+$} takes exponential
 * time on some text. The budget is 2^26 reads (well under a second) plus {@value #READS_PER_CHAR} per character:
 * the real tokenizers' patterns read each character of WikiText-2 about 3 times, and the base covers the
 * quadratic cases real patterns have (deepseek-llm's {@code \s+$} reads a run of n spaces followed by a digit about
 * n²/2 times: refused only beyond about 11,000 such spaces in one piece). A match that exceeds the budget is
 * refused with one line naming the file and the pattern instead of hanging (RELIABILITY.md).
 */
final class BudgetedText implements CharSequence {
    static final long READS_PER_CHAR = 256, BASE_READS = 1L << 26;

    private final String text;
    private final String pattern;
    private final String where;
    private long left;

    BudgetedText(String text, String pattern, String where) {
        this.text = text;
        this.pattern = pattern;
        this.where = where;
        this.left = BASE_READS + READS_PER_CHAR * text.length();
    }

    @Override
    public char charAt(int index) {
        if (--left < 0) {
            throw new SuperweightException(where + ": regex " + pattern + " needs more than "
                    + (BASE_READS + READS_PER_CHAR * text.length()) + " steps on a text of " + text.length()
                    + " characters (catastrophic backtracking); refusing this pattern");
        }
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.substring(start, end);
    }

    @Override
    public String toString() {
        return text;
    }
}
