package superweight.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** CPython 3's {@code str.isspace}, {@code strip} and {@code rstrip}; expected values as CPython 3.12 gives them. */
class PythonTest {
    @Test
    void isSpaceIsCPythonsSetOfWhitespace() {
        // ''.join(chr(c) for c in range(0x3001) if chr(c).isspace()) in CPython:
        String cpython = "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004"
                + "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
        StringBuilder ours = new StringBuilder();
        for (int c = 0; c <= 0x3000; c++) if (Python.isSpace(c)) ours.appendCodePoint(c);
        assertThat(ours.toString()).isEqualTo(cpython);
        assertThat(Python.isSpace(0x200b)).isFalse();   // ZERO WIDTH SPACE
        assertThat(Python.isSpace(0x180e)).isFalse();   // MONGOLIAN VOWEL SEPARATOR (no longer a space)
        assertThat(Python.isSpace(0xfeff)).isFalse();
    }

    @Test
    void stripAndRstripRemoveThatWhitespaceOnly() {
        assertThat(Python.strip(" \u3000a b\u0085\u200b\n")).isEqualTo("a b\u0085\u200b");
        assertThat(Python.strip("\u001f\u00a0x\u2028")).isEqualTo("x");
        assertThat(Python.strip(" \t ")).isEmpty();
        assertThat(Python.rstrip("\u2028x \u2029")).isEqualTo("\u2028x");
        assertThat(Python.rstrip("  ")).isEmpty();
        assertThat(Python.rstrip("x")).isEqualTo("x");
    }
}
