package superweight.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;
import superweight.model.format.TestSafetensors;
import superweight.model.format.TestSafetensors.Raw;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every tensor a family loads is checked against the shape its config implies: a copy of a fixture with one tensor
 * one row (or one column) short is refused by the loader with a message naming the config, never loaded to fail
 * later in the forward pass. Families chosen so that every optional tensor kind occurs (biases, LayerNorm biases,
 * QK-norms, post-norms, fused QKV, encoder embeddings).
 */
class ShapeCheckTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "olmo2", "gpt_neox", "phi3", "bert"})
    void everyTensorOneRowOrColumnShortIsRefused(String arch) throws Exception {
        Path src = Fixtures.arch(arch);
        Map<String, Raw> tensors = TestSafetensors.read(src.resolve("model.safetensors"));
        List<String> accepted = new ArrayList<>();
        int checked = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.endsWith(".attention.bias") || name.endsWith(".attention.masked_bias") || name.endsWith("rotary_emb.inv_freq")
                    || name.endsWith("position_ids") || name.contains("token_type_embeddings") || name.contains("pooler")) {
                continue;   // buffers the loader ignores; a model may have a single token type
            }
            for (boolean column : new boolean[]{false, true}) {
                if (column && e.getValue().shape().length < 2) continue;
                Path dir = Files.createDirectories(tmp.resolve(arch + "-" + checked++));
                Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
                var copy = new LinkedHashMap<>(tensors);
                copy.put(name, column ? dropLastColumn(e.getValue()) : dropLastRow(e.getValue()));
                TestSafetensors.write(dir.resolve("model.safetensors"), copy);
                try {
                    ModelLoader.load(dir).checkpoint().close();
                    accepted.add(name + (column ? " (column)" : " (row)"));
                } catch (SuperweightException ex) {
                    assertThat(ex.getMessage()).as(name).startsWith(dir.toString()).endsWith("for this config");
                }
            }
        }
        assertThat(accepted).as("tensors accepted with a wrong shape").isEmpty();
        assertThat(checked).isGreaterThan(20);
    }

    /** The same from GGUF files (F32 fixtures; ggml dims are innermost first, so the last dim counts rows). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "gpt_neox", "phi3"})
    void everyGgufTensorOneRowShortIsRefused(String arch) throws Exception {
        List<String> accepted = new ArrayList<>();
        int checked = 0;
        try (GgufFile g = GgufFile.open(Fixtures.arch(arch).resolve("model-f32.gguf"))) {
            for (var short_ : g.tensors().values()) {
                Path out = tmp.resolve(arch + "-" + checked++ + ".gguf");
                GgufWriter w = copy(g, Map.of(), List.of(), List.of(short_.name()));
                long[] dims = short_.dims().clone();
                dims[dims.length - 1]--;
                byte[] data = g.data(short_).toArray(ValueLayout.JAVA_BYTE);
                w.tensor(short_.name(), dims, short_.ggmlType(), Arrays.copyOf(data, (int) (data.length / short_.dims()[dims.length - 1] * dims[dims.length - 1])));
                w.write(out);
                try {
                    ModelLoader.load(out).checkpoint().close();
                    accepted.add(short_.name());
                } catch (SuperweightException ex) {
                    assertThat(ex.getMessage()).as(short_.name()).startsWith(out.toString()).endsWith("for this config");
                }
            }
        }
        assertThat(accepted).as("tensors accepted with a wrong shape").isEmpty();
        assertThat(checked).isGreaterThan(20);
    }

    private static Raw dropLastRow(Raw r) {
        long[] shape = r.shape().clone();
        shape[0]--;
        int bytes = (int) (r.data().length / r.shape()[0] * shape[0]);
        return new Raw(r.dtype(), shape, Arrays.copyOf(r.data(), bytes));
    }

    private static Raw dropLastColumn(Raw r) {
        long[] shape = r.shape().clone();
        shape[shape.length - 1]--;
        int rowBytes = (int) (r.data().length / r.shape()[0]), outRow = (int) (rowBytes / r.shape()[shape.length - 1] * shape[shape.length - 1]);
        byte[] out = new byte[(int) (outRow * shape[0])];
        for (int i = 0; i < shape[0]; i++) System.arraycopy(r.data(), i * rowBytes, out, i * outRow, outRow);
        return new Raw(r.dtype(), shape, out);
    }

    // ---- ids and GGUF-only refusals ------------------------------------------------------------------------------

    @Test
    void modelIdsNameWhatWasOpened() throws Exception {
        assertThat(idOf(Fixtures.arch("llama"))).isEqualTo("llama");   // a directory: its name
        assertThat(idOf(Fixtures.arch("llama").resolve("model.safetensors"))).isEqualTo("llama");
        assertThat(idOf(Fixtures.shared().resolve("models/llama2c-260k/model.bin"))).isEqualTo("model.bin");
        Path noName = rewriteGguf("llama", "anon.gguf", Map.of(), List.of("general.name"), List.of());
        assertThat(idOf(noName)).isEqualTo("anon.gguf");
        Path named = rewriteGguf("llama", "named.gguf", Map.of("general.name", "Tiny Llama"), List.of(), List.of());
        assertThat(idOf(named)).isEqualTo("Tiny Llama");
    }

    @Test
    void ggufWithoutWeightsOrWithLongRopeIsRefused() throws Exception {
        Path vocabOnly = rewriteGguf("llama", "vocab.gguf", Map.of(), List.of(), List.of("token_embd.weight"));
        assertThatThrownBy(() -> ModelLoader.load(vocabOnly)).isInstanceOf(SuperweightException.class)
                .hasMessage(vocabOnly + ": no weights (token_embd.weight missing; a vocabulary-only GGUF?)");
        Path noArch = rewriteGguf("llama", "noarch.gguf", Map.of(), List.of("general.architecture"), List.of());
        assertThatThrownBy(() -> ModelLoader.load(noArch)).hasMessage(noArch + ": missing metadata general.architecture");
        for (String factors : new String[]{"rope_factors_long.weight", "rope_factors_short.weight"}) {
            Path longRope = tmp.resolve(factors + ".gguf");
            try (GgufFile g = GgufFile.open(Fixtures.arch("llama").resolve("model-f32.gguf"))) {
                GgufWriter w = copy(g, Map.of(), List.of(), List.of());
                w.tensor(factors, new long[]{8}, 0, new byte[32]);
                w.write(longRope);
            }
            assertThatThrownBy(() -> ModelLoader.load(longRope))
                    .hasMessage(longRope + ": LongRoPE scaling (rope_factors_long/short, e.g. Phi-3 128k) is not supported");
        }
    }

    private static String idOf(Path p) {
        Model m = ModelLoader.load(p);
        try {
            return m.id();
        } finally {
            m.checkpoint().close();
        }
    }

    private Path rewriteGguf(String arch, String file, Map<String, Object> put, List<String> dropKeys, List<String> dropTensors) {
        Path out = tmp.resolve(file);
        try (GgufFile g = GgufFile.open(Fixtures.arch(arch).resolve("model-f32.gguf"))) {
            copy(g, put, dropKeys, dropTensors).write(out);
        }
        return out;
    }

    private static GgufWriter copy(GgufFile g, Map<String, Object> put, List<String> dropKeys, List<String> dropTensors) {
        GgufWriter w = new GgufWriter();
        g.metadata().forEach((k, v) -> {
            if (!dropKeys.contains(k)) w.put(k, v instanceof long[] l ? Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v);
        });
        put.forEach(w::put);
        for (var t : g.tensors().values()) {
            if (!dropTensors.contains(t.name())) w.tensor(t.name(), t.dims(), t.ggmlType(), g.data(t).toArray(ValueLayout.JAVA_BYTE));
        }
        return w;
    }
}
