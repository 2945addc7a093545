package superweight.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.tokenizer.HfCrossCheck.Vocab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Added tokens' {@code normalized} option against the Rust Hugging Face tokenizers library (DJL's binding): a token
 * with normalized = true is matched, as its normalized content, on the normalized text between the raw-text
 * matches; one with normalized = false only on the raw text. One tokenizer.json per kind of normalizer (NFKC +
 * Lowercase before byte-level BPE, SentencePiece's Prepend + Replace, BERT's normalizer), with texts where the two
 * rules give different ids (each case's comment says how).
 */
class NormalizedAddedTokenTest {
    @TempDir
    static Path work;

    @BeforeAll
    static void setUp() throws IOException {
        HfCrossCheck.keepDjlInside(work);
    }

    /** Appends added tokens with ids from the vocabulary's size on (the ids Hugging Face gives new tokens). */
    private static void addTokens(ObjectNode root, int vocabSize, Object[]... tokens) {
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        int id = vocabSize;
        for (Object[] t : tokens) {
            added.addObject().put("id", id++).put("content", (String) t[0]).put("special", (Boolean) t[1])
                    .put("normalized", (Boolean) t[2]).put("single_word", false).put("lstrip", (Boolean) t[3])
                    .put("rstrip", false);
        }
    }

    private static Object[] token(String content, boolean special, boolean normalized, boolean lstrip) {
        return new Object[] {content, special, normalized, lstrip};
    }

    private static void assertSameIds(String name, ObjectNode root, List<String> texts) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Path file = dir.resolve("tokenizer.json");
        HfCrossCheck.JSON.writeValue(file.toFile(), root);
        Tokenizer ours = Tokenizers.load(file);
        try (HuggingFaceTokenizer reference = HfCrossCheck.reference(file)) {
            for (String t : texts) {
                assertThat(ours.encode(t, false, true)).as("%s: \"%s\"", name, HfCrossCheck.escape(t))
                        .containsExactly(HfCrossCheck.ids(reference, t));
            }
        }
    }

    @Test
    void byteLevelWithNfkcAndLowercase() throws IOException {
        Vocab v = Vocab.read("gpt-2");
        ObjectNode root = HfCrossCheck.byteLevelBpe(v, HfCrossCheck.byteLevel(true));
        ArrayNode normalizers = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        normalizers.addObject().put("type", "NFKC");
        normalizers.addObject().put("type", "Lowercase");
        addTokens(root, v.tokens().length,
                token("<Ul>", false, true, false),      // matched as "<ul>": "<UL>" and "<ul>" are the token too
                token("<Raw>", false, false, false),    // raw only: "<raw>" is text
                token("<|Sp|>", true, true, false),     // a special token can be normalized as well
                token("\ufb01zz", false, true, true),   // the ligature: NFKC makes the pattern "fizz"
                token("Qzx", false, false, true));
        assertSameIds("bytelevel-nfkc-lowercase", root, List.of("<UL> a <ul> b <Ul>", "<Raw> <raw> <RAW>",
                "x <|SP|> y <|sp|>", "FIZZ fizz \ufb01zz Fizzle", "a Qzx qzx  QZX", "<UL><RAW><Raw>", "\ufb01zz<Ul>"));
    }

    @Test
    void sentencePieceWhosePrependNormalizerRewritesTheTokensToo() throws IOException {
        Vocab v = Vocab.read("llama-spm");
        ObjectNode root = HfCrossCheck.sentencePieceBpe(v);
        addTokens(root, v.tokens().length,
                token("<Ab>", false, true, false),      // pattern "\u2581<Ab>": only after a space or at the start
                token("<Cd>", false, false, false),     // raw: matched anywhere
                token("q r s", false, true, false));    // pattern "\u2581q\u2581r\u2581s"
        assertSameIds("spm-prepend-replace", root, List.of("x <Ab> y", "<Ab>y", "x<Ab>", "<Ab> <Ab>", "x <Cd> y",
                "<Cd>y", "x<Cd>", "a q r s b", "q r s", "aq r s", "<Cd><Ab>"));
    }

    @Test
    void wordPieceWithBertNormalizer() throws IOException {
        Vocab v = Vocab.read("bert-bge");
        ObjectNode root = HfCrossCheck.wordPiece(v);
        addTokens(root, v.tokens().length,
                token("[Foo]", false, true, false),     // lowercased: "[FOO]" and "[foo]" are the token
                token("\u00c9tq", false, true, false),  // accents stripped and lowercased: pattern "etq"
                token("[Bar]", false, false, false));   // raw: "[bar]" is text
        assertSameIds("wordpiece-bert", root, List.of("[FOO] x [foo]", "[Bar] [bar] [BAR]", "\u00c9TQ etq Etq \u00e9tq",
                "a[foo]b"));
    }
}
