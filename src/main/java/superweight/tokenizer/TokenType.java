package superweight.tokenizer;

/** The kind of a vocabulary entry, numbered as GGUF's {@code tokenizer.ggml.token_type} array stores it. */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    static TokenType ofGguf(int code) {
        return code >= 0 && code < values().length ? values()[code] : UNDEFINED;
    }

    /** Tokens whose text is matched as a whole before tokenization (always for user-defined, on request for control). */
    boolean isSpecial() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }
}
