package superweight.analysis;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogTest {
    /** The coordinates used for ablations, written out independently of catalog.json (the code's map where it has the model). */
    static final Map<String, int[][]> PUBLISHED = Map.ofEntries(
            Map.entry("huggyllama/llama-7b", new int[][]{{2, 3968, 7003}}),
            Map.entry("huggyllama/llama-13b", new int[][]{{2, 2231, 2278}, {2, 2231, 6939}}),
            Map.entry("huggyllama/llama-30b", new int[][]{{3, 5633, 12817}, {3, 5633, 17439}, {10, 5633, 14386}}),
            Map.entry("meta-llama/Llama-2-7b-hf", new int[][]{{1, 2533, 7890}}),
            Map.entry("meta-llama/Llama-2-13b-hf", new int[][]{{3, 4743, 7678}}),
            Map.entry("mistralai/Mistral-7B-v0.1", new int[][]{{1, 2070, 7310}}),
            Map.entry("allenai/OLMo-1B-0724-hf", new int[][]{{1, 1764, 1710}, {2, 1764, 8041}}),
            Map.entry("allenai/OLMo-7B-0724-hf", new int[][]{{1, 269, 7467}, {2, 269, 8275}, {7, 269, 453}, {24, 269, 2300}}),
            Map.entry("microsoft/Phi-3-mini-4k-instruct", new int[][]{{2, 525, 808}, {2, 1693, 808}, {2, 1113, 808}, {4, 525, 2723}, {4, 1113, 2723}, {4, 1693, 2723}}),
            Map.entry("meta-llama/Meta-Llama-3-8B", new int[][]{{1, 788, 2427}, {1, 1384, 2427}, {1, 4062, 2427}}),
            Map.entry("meta-llama/Meta-Llama-3-8B-Instruct", new int[][]{{1, 788, 2427}, {1, 1384, 2427}, {1, 4062, 2427}}),
            Map.entry("HuggingFaceTB/SmolLM2-1.7B", new int[][]{{1, 749, 4987}}));

    /**
     * SUPER_WEIGHTS_MAP of mengxiayu/LLMSuperWeight outliers/model.py at 232e4ee, keys as the code spells them (it
     * matches them as substrings of the model id), read from the repository for this test.
     */
    static final Map<String, int[][]> CODE_MAP = Map.of(
            "Mistral-7B-v0.1", new int[][]{{1, 2070, 7310}},
            "llama-7B", new int[][]{{2, 3968, 7003}},
            "llama-13B", new int[][]{{2, 2231, 2278}, {2, 2231, 6939}},
            "llama-30B", new int[][]{{3, 5633, 12817}, {3, 5633, 17439}, {10, 5633, 14386}},
            "Meta-Llama-3-8B", new int[][]{{1, 788, 2427}, {1, 1384, 2427}, {1, 4062, 2427}},
            "OLMo-1B-0724-hf", new int[][]{{1, 1764, 1710}, {2, 1764, 8041}},
            "OLMo-7B-0724-hf", new int[][]{{1, 269, 7467}, {2, 269, 8275}, {7, 269, 453}, {24, 269, 2300}},
            "Phi-3-mini-4k-instruct", new int[][]{{2, 525, 808}, {2, 1693, 808}, {2, 1113, 808}, {4, 525, 2723}, {4, 1113, 2723}, {4, 1693, 2723}});

    /** The models of the paper's Table 2 (nine, Llama-3-8B is only in the code). */
    static final List<String> TABLE_2 = List.of("huggyllama/llama-7b", "huggyllama/llama-13b", "huggyllama/llama-30b",
            "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-13b-hf", "mistralai/Mistral-7B-v0.1", "allenai/OLMo-1B-0724-hf",
            "allenai/OLMo-7B-0724-hf", "microsoft/Phi-3-mini-4k-instruct");

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
            for (Catalog.Coordinate c : e.coordinates()) {
                assertThat(c.sources()).as(e.modelId()).isNotEmpty().allMatch(catalog.sourceDescriptions()::containsKey);
            }
        }
    }

    @Test
    void everyCoordinateCitedToTheCodeIsInTheCodesMapAndBack() {
        for (Catalog.Entry e : catalog.entries()) {
            // the code's map key is the repository name (Meta-Llama-3-8B only for the base model, which the code lists)
            int[][] code = CODE_MAP.entrySet().stream().filter(k -> k.getKey().equalsIgnoreCase(e.modelId().substring(e.modelId().indexOf('/') + 1)))
                    .map(Map.Entry::getValue).findFirst().orElse(new int[0][]);
            List<List<Integer>> cited = e.coordinates().stream().filter(c -> c.sources().contains("code"))
                    .map(c -> List.of(c.weight().layer(), c.weight().row(), c.weight().col())).toList();
            List<List<Integer>> inCode = java.util.Arrays.stream(code).map(a -> List.of(a[0], a[1], a[2])).toList();
            assertThat(cited).as(e.modelId()).containsExactlyInAnyOrderElementsOf(inCode);
        }
    }

    @Test
    void sourcesSayWhereEachCoordinateComesFrom() {
        for (Catalog.Entry e : catalog.entries()) {
            boolean inTable = TABLE_2.contains(e.modelId());
            if (inTable) assertThat(e.coordinates().getFirst().sources()).as(e.modelId()).contains("paper");
            else assertThat(e.sources()).as(e.modelId()).doesNotContain("paper");
        }
        Catalog.Entry l213 = catalog.find("meta-llama/Llama-2-13b-hf").orElseThrow();
        assertThat(l213.coordinates()).singleElement().satisfies(c -> assertThat(c.sources()).containsExactly("paper"));
        // OLMo-1B: layer 2 in the code, layer 1 in transcriptions of the table; both shown, the code's used
        Catalog.Entry olmo = catalog.find("allenai/OLMo-1B-0724-hf").orElseThrow();
        assertThat(olmo.coordinates().get(1).sources()).containsExactly("code");
        assertThat(olmo.variants()).singleElement().satisfies(v -> {
            assertThat(v.coordinate().weight()).isEqualTo(SuperWeight.at(1, 1764, 8041));
            assertThat(v.insteadOf()).isEqualTo(SuperWeight.at(2, 1764, 8041));
            assertThat(v.coordinate().sources()).containsExactly("table-transcription");
        });
        Catalog.Entry instruct = catalog.find("meta-llama/Meta-Llama-3-8B-Instruct").orElseThrow();
        assertThat(instruct.status()).isEqualTo("inferred");
        assertThat(instruct.sources()).containsExactly("fork");
        assertThat(instruct.note()).contains("not in");
        assertThat(catalog.entries()).filteredOn(e -> !e.modelId().endsWith("-Instruct")).allMatch(e -> e.status().equals("published"));
        assertThat(catalog.find("HuggingFaceTB/SmolLM2-1.7B").orElseThrow().sources()).containsExactly("smollm-notebook");
        assertThat(catalog.sourceDescriptions().get("code")).contains("mengxiayu/LLMSuperWeight").contains("outliers/model.py");
        assertThat(catalog.sourceDescriptions().get("smollm-notebook")).contains("aerubanov/SmolLMSuperWeight");
        assertThat(catalog.sourceDescriptions().get("fork")).contains("cyita/LLMSuperWeight");
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

    @Test
    void aliasesMatchByLastPathComponentOrInFull() {
        assertThat(catalog.find("llama-13b-hf")).map(Catalog.Entry::modelId).hasValue("huggyllama/llama-13b");
        assertThat(catalog.find("/data/models/llama-13b-hf//")).map(Catalog.Entry::modelId).hasValue("huggyllama/llama-13b");
        assertThat(catalog.find("C:\\models\\llama-30b-hf")).map(Catalog.Entry::modelId).hasValue("huggyllama/llama-30b");
        assertThat(catalog.find("meta/Meta-Llama-3-8B")).map(Catalog.Entry::modelId).hasValue("meta-llama/Meta-Llama-3-8B");
        assertThat(catalog.find("   ")).isEmpty();
    }

    @Test
    void aFullIdWinsOverAnEarlierEntryWithTheSameRepositoryName() throws Exception {
        Catalog two = Catalog.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"sources": {"s": "a source"}, "models": [
                  {"id": "first/model", "aliases": [], "status": "published", "super_weights": [{"at": [1, 2, 3], "sources": ["s"]}]},
                  {"id": "second/model", "aliases": ["other"], "status": "inferred", "super_weights": [{"at": [4, 5, 6], "sources": ["s"]}]}]}
                """));
        assertThat(two.find("second/model")).map(Catalog.Entry::modelId).hasValue("second/model");
        assertThat(two.find("third/model")).map(Catalog.Entry::modelId).hasValue("first/model");
        assertThat(two.find("x/other")).map(Catalog.Entry::modelId).hasValue("second/model");
        assertThat(two.find("second/model").orElseThrow().superWeights()).containsExactly(SuperWeight.at(4, 5, 6));
    }
}
