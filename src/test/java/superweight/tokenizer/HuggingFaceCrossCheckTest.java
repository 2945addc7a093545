package superweight.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
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
 * The full cross-check against the Rust Hugging Face {@code tokenizers} library ({@link HfCrossCheck}): every
 * tokenizer.json variant on 3 692 texts (all of wikitext-2 test in chunks, 20 000 characters as one text, 3 000
 * random strings). About 20 s, so tagged slow; {@link HuggingFaceQuickCrossCheckTest} runs the same variants on a
 * tenth of the texts in the default suite.
 */
@Tag("slow")
class HuggingFaceCrossCheckTest {
    @TempDir
    static Path work;

    private static List<Text> texts;

    @BeforeAll
    static void setUp() throws IOException {
        HfCrossCheck.keepDjlInside(work);
        texts = HfCrossCheck.texts(1, 20_000, 3000);
    }

    static Stream<Variant> variants() {
        return HfCrossCheck.variants();
    }

    static Stream<Variant> variantsWhoseGgufMatches() {
        return variants().filter(Variant::ggufMatches);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void tokenizerJsonGivesTheIdsOfHuggingFace(Variant variant) throws IOException {
        Path json = variant.writeJson(work);
        try (HuggingFaceTokenizer reference = HfCrossCheck.reference(json)) {
            HfCrossCheck.assertSameIds(variant + " (tokenizer.json)", reference, Tokenizers.load(json), texts);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variantsWhoseGgufMatches")
    void ggufVocabularyGivesTheIdsOfHuggingFace(Variant variant) throws IOException {
        Path json = variant.writeJson(work);
        try (HuggingFaceTokenizer reference = HfCrossCheck.reference(json)) {
            HfCrossCheck.assertSameIds(variant + " (GGUF " + variant.vocab() + ")", reference,
                    Tokenizers.load(VocabCases.gguf(variant.vocab())), texts);
        }
    }
}
