package superweight.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every vocabulary in the shared vocab folder, every test string: our ids must equal the reference ids exactly
 * (no BOS, special-token text not parsed). Nothing is skipped.
 */
class VocabTestVectorsTest {
    private static final Map<String, Tokenizer> LOADED = new HashMap<>();

    static synchronized Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> Tokenizers.load(VocabCases.gguf(n)));
    }

    static Stream<VocabCases.Case> allCases() {
        return VocabCases.names().stream().flatMap(n -> VocabCases.cases(n).stream());
    }

    @Test
    void allTwelveFamiliesArePresent() {
        assertThat(VocabCases.names()).containsExactlyInAnyOrder("baichuan", "bert-bge", "deepseek-coder", "deepseek-llm",
                "falcon", "gpt-2", "gpt-neox", "llama-spm", "mpt", "phi-3", "refact", "starcoder");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void encodesLikeTheReference(VocabCases.Case c) {
        int[] ids = tokenizer(c.vocab()).encode(c.text());
        assertThat(TestVectors.formatIds(ids)).as("%s string %d %s", c.vocab(), c.index(), List.of(c.text()))
                .isEqualTo(TestVectors.formatIds(c.expected()));
    }
}
