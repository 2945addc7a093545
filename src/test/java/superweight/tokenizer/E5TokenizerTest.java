package superweight.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import superweight.E5;
import superweight.Fixtures;
import superweight.engine.Embedder;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WordPiece on the real e5-small-v2 tokenizer.json (BertNormalizer: clean text, CJK spacing, accent stripping,
 * lower-casing; BertPreTokenizer; [CLS] ... [SEP]) against the Rust Hugging Face tokenizers library (through DJL)
 * on hand-made and real text, truncation at 512 positions included; plus cases whose pieces are written here.
 */
class E5TokenizerTest {
    static Tokenizer ours;
    static HuggingFaceTokenizer reference;
    static JsonNode vocab;

    @BeforeAll
    static void load() throws IOException {
        ours = Tokenizers.load(E5.dir().resolve("tokenizer.json"));
        reference = HuggingFaceTokenizer.builder().optTokenizerPath(E5.dir().resolve("tokenizer.json"))
                .optAddSpecialTokens(true).optTruncation(false).build();
        vocab = Fixtures.json(E5.dir().resolve("tokenizer.json")).get("model").get("vocab");
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    static int[] ids(String... pieces) {
        return Arrays.stream(pieces).mapToInt(p -> vocab.get(p).asInt()).toArray();
    }

    @Test
    void handMadeCases() {
        // accents stripped and lower-cased, punctuation split off
        assertThat(ours.encode("Héllo, WÖRLD! Café naïve", true, false))
                .containsExactly(ids("[CLS]", "hello", ",", "world", "!", "cafe", "naive", "[SEP]"));
        // ## continuations, greedy longest match first (pieces worked out by hand against the vocabulary)
        assertThat(ours.encode("embeddings tokenization", true, false))
                .containsExactly(ids("[CLS]", "em", "##bed", "##ding", "##s", "token", "##ization", "[SEP]"));
        // a CJK ideograph outside the vocabulary stands alone and is unknown; a 101-character word is unknown
        assertThat(ours.encode("a\uD840\uDC00b " + "x".repeat(101), true, false))
                .containsExactly(ids("[CLS]", "a", "[UNK]", "b", "[UNK]", "[SEP]"));
        // control characters dropped, every whitespace kind separates
        assertThat(ours.encode("hello\u0000\u200b\tworld\u3000!", true, false))
                .containsExactly(ids("[CLS]", "hello", "world", "!", "[SEP]"));
    }

    @Test
    void sameIdsAsHuggingFaceTokenizers() throws IOException {
        List<String> texts = new ArrayList<>(List.of("query: how much protein should a female eat",
                "passage: Ünïcödé façade — “quotes”, 1,234.56 km², e-mail@example.com #hashtag",
                "中文字符 and 日本語 mixed with English; Привет мир; naïveté résumé coöperate",
                "Tabs\tand\nnewlines\r\nand   spaces", "ALL CAPS SHOUTING!!! ...??? (parenthesised) [bracketed] {braced}"));
        String wiki = Files.readString(Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw"));
        for (int i = 0; i < 20; i++) texts.add(wiki.substring(i * 1500, i * 1500 + 1500));
        for (String t : texts) {
            long[] want = reference.encode(t).getIds();
            assertThat(ours.encode(t, true, false)).as(t).containsExactly(Arrays.stream(want).mapToInt(x -> (int) x).toArray());
        }
    }

    @Test
    void truncationAtTheModelsPositionsKeepsClsAndSep() throws IOException {
        String longText = Files.readString(Fixtures.shared().resolve("data/wikitext-2-raw/wiki.test.raw")).substring(0, 12_000);
        try (HuggingFaceTokenizer truncating = HuggingFaceTokenizer.newInstance(E5.dir().resolve("tokenizer.json"),
                Map.of("maxLength", "512", "truncation", "true"))) {
            long[] want = truncating.encode(longText).getIds();
            int[] full = ours.encode(longText, true, false);
            assertThat(full.length).isGreaterThan(512);
            int[] got = Embedder.truncate(full, 512);
            assertThat(want).hasSize(512);
            assertThat(got).containsExactly(Arrays.stream(want).mapToInt(x -> (int) x).toArray());
        }
    }
}
