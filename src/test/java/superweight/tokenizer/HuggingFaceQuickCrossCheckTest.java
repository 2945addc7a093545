package superweight.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import superweight.tokenizer.HfCrossCheck.Text;
import superweight.tokenizer.HfCrossCheck.Variant;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cross-check against the Rust Hugging Face {@code tokenizers} library in the default suite: every
 * tokenizer.json variant of {@link HuggingFaceCrossCheckTest}, from the tokenizer.json and (where its pre-tokenizer
 * is the same) from the GGUF, on a tenth of its texts: the 46 shared test strings, every tenth wikitext-2 chunk,
 * 5 000 characters as one text and 300 random strings. One Hugging Face tokenizer per variant serves both loads.
 */
class HuggingFaceQuickCrossCheckTest {
    @TempDir
    static Path work;

    private static List<Text> texts;

    @BeforeAll
    static void setUp() throws IOException {
        HfCrossCheck.keepDjlInside(work);
        texts = HfCrossCheck.texts(10, 5_000, 300);
    }

    static Stream<Variant> variants() {
        return HfCrossCheck.variants();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void givesTheIdsOfHuggingFace(Variant variant) throws IOException {
        Path json = variant.writeJson(work);
        try (HuggingFaceTokenizer reference = HfCrossCheck.reference(json)) {
            HfCrossCheck.assertSameIds(variant + " (tokenizer.json)", reference, Tokenizers.load(json), texts);
            if (variant.ggufMatches()) {
                HfCrossCheck.assertSameIds(variant + " (GGUF " + variant.vocab() + ")", reference,
                        Tokenizers.load(VocabCases.gguf(variant.vocab())), texts);
            }
        }
    }
}
