package superweight.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.format.GgufFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Where tokenizers come from (fixtures, missing tokenizers) and how bad input is handled. */
class TokenizersLoadTest {
    @TempDir
    Path dir;

    /** Ids looked up directly in the GGUF token list, independently of the tokenizer code. */
    private static int idOf(Path gguf, String piece) {
        try (GgufFile g = GgufFile.open(gguf)) {
            return Arrays.asList(g.getStringArray("tokenizer.ggml.tokens")).indexOf(piece);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemma", "gpt_neox", "llama", "mistral", "olmo", "olmo2", "phi3", "qwen2"})
    void decoderFixturesCarryADummySentencePieceVocab(String arch) {
        Path gguf = Fixtures.arch(arch).resolve("model-f32.gguf");
        Tokenizer t = Tokenizers.load(gguf);
        assertThat(t.vocabSize()).isEqualTo(320);
        assertThat(t.bosId()).isEqualTo(1);
        assertThat(t.eosId()).isEqualTo(2);
        assertThat(t.addBosByDefault()).isTrue();
        int a = idOf(gguf, "\u2581a");
        int b = idOf(gguf, "\u2581b");
        assertThat(a).isPositive();
        assertThat(t.encode("a b", true, false)).containsExactly(1, a, b);
        // "\u00e9" has no piece: it falls back to its two UTF-8 bytes, <0xC3> = 3 + 0xC3 and <0xA9> = 3 + 0xA9.
        assertThat(t.encode("a\u00e9")).containsExactly(a, 3 + 0xC3, 3 + 0xA9);
        assertThat(t.decode(t.encode("a\u00e9 b", true, false))).isEqualTo("a\u00e9 b");
    }

    @Test
    void bertFixtureCarriesADummyWordPieceVocab() {
        Path gguf = Fixtures.arch("bert").resolve("model-f32.gguf");
        Tokenizer t = Tokenizers.load(gguf);
        assertThat(t.encode("A b", true, false)).containsExactly(101, idOf(gguf, "\u2581a"), idOf(gguf, "\u2581b"), 102);
        // Greedy longest match: "\u2581ab" is a piece, "\u2581az" is not.
        assertThat(t.encode("ab")).containsExactly(idOf(gguf, "\u2581ab"));
        assertThat(t.encode("az")).containsExactly(idOf(gguf, "\u2581a"), idOf(gguf, "z"));
    }

    @Test
    void vocabularyOnlyGgufInADirectoryIsFound() throws IOException {
        Files.createSymbolicLink(dir.resolve("vocab.gguf"), VocabCases.gguf("gpt-2"));
        assertThat(Tokenizers.load(dir).encode("Hello world")).containsExactly(15496, 995);
    }

    private static String oneLineMessage(Runnable r) {
        try {
            r.run();
        } catch (SuperweightException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e.getMessage();
        }
        throw new AssertionError("expected a SuperweightException");
    }

    @Test
    void missingPathIsAOneLineError() {
        Path missing = dir.resolve("nope.gguf");
        assertThat(oneLineMessage(() -> Tokenizers.load(missing))).contains(missing.toString()).contains("no such file");
    }

    @Test
    void llama2cCheckpointHasNoTokenizer() {
        Path bin = Fixtures.shared().resolve("models/llama2c-260k/model.bin");
        assertThat(oneLineMessage(() -> Tokenizers.load(bin))).contains(bin.toString()).contains("llama2.c").contains("no tokenizer");
    }

    @Test
    void safetensorsWithoutTokenizerJsonIsAOneLineError() {
        Path st = Fixtures.arch("llama").resolve("model.safetensors");
        assertThat(oneLineMessage(() -> Tokenizers.load(st))).contains(st.toString()).contains("no tokenizer.json beside");
        assertThat(oneLineMessage(() -> Tokenizers.load(dir))).contains(dir.toString()).contains("no tokenizer found");
    }

    @Test
    void ggufWithoutTokenizerMetadataIsAOneLineError() throws IOException {
        // A minimal GGUF v3: no tensors, one metadata entry general.architecture = "llama".
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
        byte[] key = "general.architecture".getBytes(StandardCharsets.UTF_8);
        b.putLong(key.length).put(key).putInt(8).putLong(5).put("llama".getBytes(StandardCharsets.UTF_8));
        Path p = dir.resolve("weights-only.gguf");
        Files.write(p, Arrays.copyOf(b.array(), b.position()));
        assertThat(oneLineMessage(() -> Tokenizers.load(p))).contains(p.toString()).contains("has no tokenizer");
    }

    @Test
    void malformedTokenizerJsonIsAOneLineError() throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertThat(oneLineMessage(() -> Tokenizers.load(p))).contains(p.toString()).contains("Unigram");
        Files.writeString(p, "{not json");
        assertThat(oneLineMessage(() -> Tokenizers.load(p))).contains(p.toString()).contains("cannot read JSON");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        Tokenizer t = VocabTestVectorsTest.tokenizer("gpt-2");
        assertThat(oneLineMessage(() -> t.decode(new int[] {50257}))).contains("50257").contains("outside the vocabulary");
    }

    @Test
    void emptyTextGivesNoIdsOrJustBos() {
        for (String name : List.of("llama-spm", "gpt-2", "bert-bge")) {
            Tokenizer t = VocabTestVectorsTest.tokenizer(name);
            assertThat(t.encode("")).as(name).isEmpty();
            assertThat(t.decode(new int[0])).isEmpty();
        }
        assertThat(VocabTestVectorsTest.tokenizer("llama-spm").encode("", true, false)).containsExactly(1);
    }

    /** A 100 kB word without spaces must not take quadratic time; it still round-trips. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "deepseek-llm", "bert-bge"})
    void hundredKilobyteWordFinishesFast(String name) {
        Tokenizer t = VocabTestVectorsTest.tokenizer(name);
        Random r = new Random(42);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 100_000) sb.append((char) ('a' + r.nextInt(26)));
        String word = sb.toString();
        int[] ids = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> t.encode(word));
        if (name.equals("bert-bge")) {
            assertThat(ids).containsExactly(100); // longer than BERT's 100-character limit: [UNK]
        } else {
            assertThat(ids.length).isBetween(10_000, 100_000);
            assertThat(t.decode(ids)).isEqualTo(word);
        }
    }

    @Test
    void specialTokenTextIsOnlyParsedOnRequest() {
        Tokenizer gpt2 = VocabTestVectorsTest.tokenizer("gpt-2");
        assertThat(gpt2.encode("<|endoftext|>hi", false, true)).startsWith(50256);
        assertThat(gpt2.encode("<|endoftext|>hi", false, false)).doesNotContain(50256);
        Tokenizer llama = VocabTestVectorsTest.tokenizer("llama-spm");
        // After a special token the dummy-prefix space is added again, as the reference does.
        assertThat(llama.encode("<s>Hello", false, true)).containsExactly(1, 15043);
        assertThat(llama.decode(new int[] {1, 15043, 3186})).isEqualTo("Hello world");
    }
}
