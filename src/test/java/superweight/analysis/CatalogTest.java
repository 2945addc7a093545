package superweight.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogTest {
    /** The published coordinates (paper Table 2 and its code's SUPER_WEIGHTS_MAP), written out independently of catalog.json. */
    static final Map<String, int[][]> PUBLISHED = Map.ofEntries(
            Map.entry("huggyllama/llama-7b", new int[][]{{2, 3968, 7003}}),
            Map.entry("huggyllama/llama-13b", new int[][]{{2, 2231, 2278}, {2, 2231, 6939}}),
            Map.entry("huggyllama/llama-30b", new int[][]{{3, 5633, 12817}, {3, 5633, 17439}, {10, 5633, 14386}}),
            Map.entry("meta-llama/Llama-2-7b-hf", new int[][]{{1, 2533, 7890}}),
            Map.entry("mistralai/Mistral-7B-v0.1", new int[][]{{1, 2070, 7310}}),
            Map.entry("allenai/OLMo-1B-0724-hf", new int[][]{{1, 1764, 1710}, {2, 1764, 8041}}),
            Map.entry("allenai/OLMo-7B-0724-hf", new int[][]{{1, 269, 7467}, {2, 269, 8275}, {7, 269, 453}, {24, 269, 2300}}),
            Map.entry("microsoft/Phi-3-mini-4k-instruct", new int[][]{{2, 525, 808}, {2, 1693, 808}, {2, 1113, 808}, {4, 525, 2723}, {4, 1113, 2723}, {4, 1693, 2723}}),
            Map.entry("meta-llama/Meta-Llama-3-8B", new int[][]{{1, 788, 2427}, {1, 1384, 2427}, {1, 4062, 2427}}),
            Map.entry("meta-llama/Meta-Llama-3-8B-Instruct", new int[][]{{1, 788, 2427}, {1, 1384, 2427}, {1, 4062, 2427}}),
            Map.entry("HuggingFaceTB/SmolLM2-1.7B", new int[][]{{1, 749, 4987}}));

    final Catalog catalog = Catalog.published();

    @Test
    void everyEntryMatchesThePublishedTable() {
        assertThat(catalog.entries()).extracting(Catalog.Entry::modelId).containsExactlyInAnyOrderElementsOf(PUBLISHED.keySet());
        for (Catalog.Entry e : catalog.entries()) {
            int[][] expected = PUBLISHED.get(e.modelId());
            assertThat(e.superWeights()).as(e.modelId()).hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                SuperWeight s = e.superWeights().get(i);
                assertThat(new int[]{s.layer(), s.row(), s.col()}).as(e.modelId() + " #" + i).containsExactly(expected[i]);
            }
            assertThat(e.sources()).as(e.modelId()).isNotEmpty().allMatch(catalog.sourceDescriptions()::containsKey);
        }
    }

    @Test
    void looksUpByIdRepositoryNameAliasOrPath() {
        assertThat(catalog.find("huggyllama/llama-7B")).map(Catalog.Entry::modelId).hasValue("huggyllama/llama-7b");
        assertThat(catalog.find("/models/llama-7b")).map(Catalog.Entry::modelId).hasValue("huggyllama/llama-7b");
        assertThat(catalog.find("Llama 2 7b Hf")).map(Catalog.Entry::modelId).hasValue("meta-llama/Llama-2-7b-hf");
        assertThat(catalog.find("OLMo-1B-0724-hf")).map(Catalog.Entry::modelId).hasValue("allenai/OLMo-1B-0724-hf");
        assertThat(catalog.find("meta-llama/Meta-Llama-3-8B-Instruct")).map(Catalog.Entry::modelId).hasValue("meta-llama/Meta-Llama-3-8B-Instruct");
        assertThat(catalog.find("Llama-2-7b-chat-hf")).isEmpty();
        assertThat(catalog.find("tiny random fixture")).isEmpty();
        assertThat(catalog.find(null)).isEmpty();
    }

    @Test
    void comparesDetectedCoordinatesWithTheEntry() {
        var exact = catalog.compare("allenai/OLMo-1B-0724-hf", List.of(new SuperWeight(1, 1764, 1710, 0.5f), new SuperWeight(2, 1764, 8041, -0.3f)));
        assertThat(exact.exact()).isTrue();
        assertThat(exact.summary()).contains("agrees");
        var partial = catalog.compare("allenai/OLMo-1B-0724-hf", List.of(SuperWeight.at(1, 1764, 1710), SuperWeight.at(5, 1, 2)));
        assertThat(partial.exact()).isFalse();
        assertThat(partial.missed()).containsExactly(SuperWeight.at(2, 1764, 8041));
        assertThat(partial.extra()).containsExactly(SuperWeight.at(5, 1, 2));
        var unknown = catalog.compare("tiny", List.of());
        assertThat(unknown.catalogued()).isFalse();
        assertThat(unknown.summary()).contains("no catalog entry");
    }
}
