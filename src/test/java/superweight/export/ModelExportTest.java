package superweight.export;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.analysis.SuperWeight;
import superweight.engine.Transformer;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.format.GgufFile;
import superweight.model.tensor.GgmlType;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Export of every fixture architecture from its Hugging Face safetensors: the GGUF must hold exactly the tensors
 * (names, shapes, F32 bytes) of the shared fixture's model-f32.gguf, which llama.cpp's converter layout produced
 * independently (so Q/K permutation and fused tensors are llama.cpp's), and both the GGUF and the exported
 * Hugging Face directory must reproduce the reference logits to 1e-4.
 */
class ModelExportTest {
    @TempDir
    Path dir;

    static float[] logits(Path model, int[] tokens) {
        Model m = ModelLoader.load(model);
        try {
            return new Transformer(m).logits(tokens);
        } finally {
            m.checkpoint().close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "phi3", "olmo", "olmo2", "gemma", "gpt_neox"})
    void huggingFaceToGgufMatchesTheFixtureGgufAndTheReferenceLogits(String arch) {
        Path src = Fixtures.arch(arch);
        Path gguf = dir.resolve(arch + ".gguf");
        Model m = ModelLoader.load(src.resolve("model.safetensors"));
        try {
            ModelExport.toGguf(m, gguf, ModelExport.GgufPlan.uniform(GgmlType.F32));
        } finally {
            m.checkpoint().close();
        }
        try (GgufFile mine = GgufFile.open(gguf); GgufFile ref = GgufFile.open(src.resolve("model-f32.gguf"))) {
            for (var t : ref.tensors().values()) {
                var e = mine.tensors().get(t.name());
                assertThat(e).as("%s: tensor %s", arch, t.name()).isNotNull();
                assertThat(e.dims()).as(t.name()).containsExactly(t.dims());
                assertThat(e.offset() % 32).isZero();
                float[] a = mine.data(e).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                float[] b = ref.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                assertThat(Fixtures.maxAbsDiff(a, b)).as("%s: %s", arch, t.name()).isLessThanOrEqualTo(1e-6f);
            }
            assertThat(mine.tensors().keySet()).containsExactlyInAnyOrderElementsOf(ref.tensors().keySet());
            assertThat(mine.getString("general.architecture")).isEqualTo(ref.getString("general.architecture"));
        }
        int[] tokens = Fixtures.ints(Fixtures.json(src.resolve("tokens.json")));
        float[] expected = Fixtures.floats(src.resolve("logits.f32"));
        assertThat(Fixtures.maxAbsDiff(logits(gguf, tokens), expected)).as("%s GGUF logits", arch).isLessThanOrEqualTo(1e-4f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "mistral", "qwen2", "phi3", "olmo", "olmo2", "gemma", "gpt_neox"})
    void ggufToHuggingFaceReproducesTheReferenceLogits(String arch) {
        Path src = Fixtures.arch(arch);
        Path out = dir.resolve(arch);
        Model m = ModelLoader.load(src.resolve("model-f32.gguf"));
        try {
            ModelExport.toHuggingFace(m, out, "F32", Long.MAX_VALUE);
        } finally {
            m.checkpoint().close();
        }
        int[] tokens = Fixtures.ints(Fixtures.json(src.resolve("tokens.json")));
        float[] expected = Fixtures.floats(src.resolve("logits.f32"));
        assertThat(Fixtures.maxAbsDiff(logits(out, tokens), expected)).as("%s HF logits", arch).isLessThanOrEqualTo(1e-4f);
    }

    @Test
    void shardedBf16DirectoryReloadsWithTheRoundedWeights() throws Exception {
        Path src = Fixtures.arch("llama");
        Model m = ModelLoader.load(src.resolve("model.safetensors"));
        Path out = dir.resolve("bf16");
        try {
            ModelExport.Result r = ModelExport.toHuggingFace(m, out, "BF16", 100_000);
            assertThat(r.files()).contains(out.resolve("model.safetensors.index.json"), out.resolve("config.json"));
            assertThat(Files.list(out).filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count())
                    .isGreaterThan(2);
            Model back = ModelLoader.load(out);
            try {
                for (int l = 0; l < m.config().layers(); l++) {
                    var a = m.layers().get(l).down();
                    var b = back.layers().get(l).down();
                    assertThat(b.dtype()).isEqualTo("BF16");
                    for (int r0 = 0; r0 < a.rows(); r0++) {
                        for (int c = 0; c < a.cols(); c++) {
                            float v = a.get(r0, c);
                            // independent bf16 rounding: nearest of the two neighbouring bf16 values (ties to even)
                            int bits = Float.floatToIntBits(v);
                            float lo = Float.intBitsToFloat(bits & 0xFFFF0000), hi = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
                            float expect = Math.abs(v - lo) < Math.abs(hi - v) ? lo : Math.abs(v - lo) > Math.abs(hi - v) ? hi
                                    : (((bits >>> 16) & 1) == 0 ? lo : hi);
                            assertThat(b.get(r0, c)).isEqualTo(expect);
                        }
                    }
                }
            } finally {
                back.checkpoint().close();
            }
        } finally {
            m.checkpoint().close();
        }
    }

    @Test
    void mixedGgufKeepsTheSuperWeightTensorHighAndRecordsTheScheme() {
        Path src = Fixtures.shared().resolve("fixtures/planted");
        Model m = ModelLoader.load(src.resolve("model.safetensors"));
        Path gguf = dir.resolve("mixed.gguf");
        try {
            var plan = new ModelExport.GgufPlan(GgmlType.Q4_0, GgmlType.Q8_0, List.of(new SuperWeight(1, 27, 121, 3f)), 2);
            ModelExport.Result r = ModelExport.toGguf(m, gguf, plan);
            var types = new java.util.HashMap<String, String>();
            r.tensors().forEach(t -> types.put(t.name(), t.type()));
            // rows of 176 values do not divide into 32-blocks: every ffn_down falls back to F16 (the super weight's too)
            assertThat(types.get("blk.1.ffn_down.weight")).isEqualTo("F16");
            assertThat(types.get("blk.0.ffn_down.weight")).isEqualTo("F16");
            assertThat(types.get("blk.0.attn_q.weight")).isIn("Q4_0", "Q8_0");
            assertThat(types.values().stream().filter("Q8_0"::equals).count()).as("keep-high 2").isEqualTo(2);
            assertThat(types.get("blk.0.attn_norm.weight")).isEqualTo("F32");
        } finally {
            m.checkpoint().close();
        }
        try (GgufFile g = GgufFile.open(gguf)) {
            assertThat(g.getString("superweight.export")).isEqualTo("gguf{type=Q4_0,high=Q8_0,keep-high=2,super-weights=[1:27:121]}");
            assertThat(g.getStringArray("superweight.super_weights")).containsExactly("1:27:121");
        }
    }
    /**
     * Rope scaling survives GGUF export: llama3 scaling becomes a rope_freqs tensor of per-frequency divisors and
     * linear scaling the rope.scaling keys, and the exported file gives the logits of the scaled Hugging Face
     * model (which differ from the unscaled fixture's, so the check is not vacuous).
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8}",
            "{\"type\": \"linear\", \"factor\": 4.0}"})
    void ropeScalingIsExported(String scaling) throws Exception {
        Path src = dir.resolve("scaled");
        Files.createDirectories(src);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var c = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Fixtures.arch("llama").resolve("config.json").toFile());
        c.set("rope_scaling", json.readTree(scaling));
        Files.writeString(src.resolve("config.json"), c.toString());
        Files.createSymbolicLink(src.resolve("model.safetensors"), Fixtures.arch("llama").resolve("model.safetensors"));
        int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("llama").resolve("tokens.json")));
        float[] scaled = logits(src, tokens);
        assertThat(Fixtures.maxAbsDiff(scaled, Fixtures.floats(Fixtures.arch("llama").resolve("logits.f32")))).isGreaterThan(1e-3f);
        Path gguf = dir.resolve("scaled.gguf");
        Model m = ModelLoader.load(src);
        try {
            ModelExport.toGguf(m, gguf, ModelExport.GgufPlan.uniform(GgmlType.F32));
        } finally {
            m.checkpoint().close();
        }
        try (GgufFile g = GgufFile.open(gguf)) {
            assertThat(g.tensors().containsKey("rope_freqs.weight")).isEqualTo(scaling.contains("llama3"));
            if (scaling.contains("linear")) assertThat(g.getDouble("llama.rope.scaling.factor")).isEqualTo(4.0);
        }
        assertThat(Fixtures.maxAbsDiff(logits(gguf, tokens), scaled)).isLessThanOrEqualTo(1e-5f);
    }
}
