package superweight.tokenizer;

/**
 * Text to token ids and back, exactly as the model's reference tokenizer does it.
 */
public interface Tokenizer {
    /** Encodes text with no BOS/EOS added and special-token text treated as ordinary text. */
    default int[] encode(String text) {
        return encode(text, false, false);
    }

    /**
     * Encodes text. {@code addBos} prepends the BOS id (when the vocabulary has one); {@code parseSpecial} turns
     * special-token text such as {@code <s>} or {@code <|endoftext|>} into its id, as the reference does for chat
     * templates.
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Decodes ids to text (special tokens such as BOS are skipped; byte pieces are joined into UTF-8). */
    String decode(int[] ids);

    int vocabSize();

    /** The BOS id, or -1 when the vocabulary has none. */
    int bosId();

    /** The EOS id, or -1 when the vocabulary has none. */
    int eosId();

    /** Whether the model's own configuration asks for a BOS token at the start of a sequence. */
    boolean addBosByDefault();

    /** The piece (token text as stored in the vocabulary) of an id. */
    String piece(int id);
}
