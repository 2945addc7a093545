package superweight.fuzz;

import superweight.Fixtures;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;
import superweight.model.format.TestSafetensors;
import superweight.model.tensor.GgmlType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small but complete checkpoints derived from the shared llama fixture (its metadata and names, sizes shrunk to
 * hidden 8, 2 heads, 16 MLP channels, 1 layer, 16 tokens), so seeds are a few kB and every mutation is parsed fast.
 */
final class TinyCheckpoints {
    static final int HIDDEN = 8, FFN = 16, VOCAB = 16;

    private TinyCheckpoints() {
    }

    /** GGUF tensors in ggml order (ne0 first). */
    private static Map<String, long[]> ggufShapes() {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("token_embd.weight", new long[]{HIDDEN, VOCAB});
        s.put("output_norm.weight", new long[]{HIDDEN});
        s.put("output.weight", new long[]{HIDDEN, VOCAB});
        s.put("blk.0.attn_norm.weight", new long[]{HIDDEN});
        for (String n : new String[]{"attn_q", "attn_k", "attn_v", "attn_output"}) s.put("blk.0." + n + ".weight", new long[]{HIDDEN, HIDDEN});
        s.put("blk.0.ffn_norm.weight", new long[]{HIDDEN});
        s.put("blk.0.ffn_gate.weight", new long[]{HIDDEN, FFN});
        s.put("blk.0.ffn_up.weight", new long[]{HIDDEN, FFN});
        s.put("blk.0.ffn_down.weight", new long[]{FFN, HIDDEN});
        return s;
    }

    static byte[] gguf(Path scratch) throws IOException {
        GgufWriter w = new GgufWriter();
        try (GgufFile src = GgufFile.open(Fixtures.arch("llama").resolve("model-f32.gguf"))) {
            src.metadata().forEach((k, v) -> {
                if (!k.startsWith("tokenizer.")) w.put(k, v);
            });
        }
        w.put("llama.embedding_length", (long) HIDDEN).put("llama.feed_forward_length", (long) FFN).put("llama.block_count", 1L)
                .put("llama.attention.head_count", 2L).put("llama.attention.head_count_kv", 2L).put("llama.rope.dimension_count", 4L)
                .put("llama.attention.key_length", 4L).put("llama.attention.value_length", 4L);
        ggufShapes().forEach((name, dims) -> {
            long n = 1;
            for (long d : dims) n *= d;
            w.tensor(name, dims, GgmlType.F32, new byte[(int) n * 4]);
        });
        Path p = scratch.resolve("seed.gguf");
        w.write(p);
        return Files.readAllBytes(p);
    }

    /** The same model as Hugging Face safetensors (outermost axis first). */
    static byte[] safetensors(Path scratch, String dtype) throws IOException {
        Map<String, TestSafetensors.Raw> t = new LinkedHashMap<>();
        int width = dtype.equals("F32") ? 4 : 2;
        put(t, "model.embed_tokens.weight", dtype, width, VOCAB, HIDDEN);
        put(t, "lm_head.weight", dtype, width, VOCAB, HIDDEN);
        put(t, "model.norm.weight", dtype, width, HIDDEN);
        String p = "model.layers.0.";
        for (String n : new String[]{"q_proj", "k_proj", "v_proj", "o_proj"}) put(t, p + "self_attn." + n + ".weight", dtype, width, HIDDEN, HIDDEN);
        put(t, p + "mlp.gate_proj.weight", dtype, width, FFN, HIDDEN);
        put(t, p + "mlp.up_proj.weight", dtype, width, FFN, HIDDEN);
        put(t, p + "mlp.down_proj.weight", dtype, width, HIDDEN, FFN);
        put(t, p + "input_layernorm.weight", dtype, width, HIDDEN);
        put(t, p + "post_attention_layernorm.weight", dtype, width, HIDDEN);
        Path f = scratch.resolve("seed-" + dtype + ".safetensors");
        TestSafetensors.write(f, t);
        return Files.readAllBytes(f);
    }

    /** The llama fixture's config.json with the tiny model's sizes. */
    static String config() throws IOException {
        return Files.readString(Fixtures.arch("llama").resolve("config.json"))
                .replaceAll("\"hidden_size\": \\d+", "\"hidden_size\": " + HIDDEN)
                .replaceAll("\"intermediate_size\": \\d+", "\"intermediate_size\": " + FFN)
                .replaceAll("\"num_hidden_layers\": \\d+", "\"num_hidden_layers\": 1")
                .replaceAll("\"num_attention_heads\": \\d+", "\"num_attention_heads\": 2")
                .replaceAll("\"num_key_value_heads\": \\d+", "\"num_key_value_heads\": 2")
                .replaceAll("\"head_dim\": \\d+", "\"head_dim\": 4")
                .replaceAll("\"vocab_size\": \\d+", "\"vocab_size\": " + VOCAB);
    }

    private static void put(Map<String, TestSafetensors.Raw> t, String name, String dtype, int width, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        t.put(name, new TestSafetensors.Raw(dtype, shape, new byte[(int) n * width]));
    }
}
