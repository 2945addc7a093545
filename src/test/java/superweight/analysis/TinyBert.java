package superweight.analysis;

import superweight.model.format.TestOnnx;
import superweight.model.format.TestSafetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small BERT built in code with one planted super weight, written as a Hugging Face checkpoint (bert. prefix,
 * config.json) and as an ONNX export shaped like torch's (anonymous transposed MatMul weights, bias Adds,
 * attention scale and LayerNorm epsilon constants, Erf), from the same numbers. Residual channel {@code MARKER}
 * is large only in the [CLS] embedding, so after the embedding LayerNorm it dominates position 0 (about
 * sqrt(hidden) = 5.7); in layer {@code LAYER}, intermediate row {@code COL} reads only that channel (weight 20: an
 * activation near 110 at [CLS]) and W_down[ROW, COL] = 4 turns it into a super activation near 450. All other
 * weights are at most 0.05, so no other down-projection value comes near the threshold of 50.
 */
public final class TinyBert {
    public static final int HIDDEN = 32, INTERMEDIATE = 64, VOCAB = 40, POSITIONS = 64, LAYERS = 3, HEADS = 4, CLS = 1;
    public static final int MARKER = 5, LAYER = 1, ROW = 11, COL = 23;

    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();

    public TinyBert(long seed) {
        Random rnd = new Random(seed);
        float[] words = small(rnd, VOCAB * HIDDEN, 0.1f);
        for (int t = 0; t < VOCAB; t++) words[t * HIDDEN + MARKER] = 0f;
        words[CLS * HIDDEN + MARKER] = 8f;
        put("embeddings.word_embeddings.weight", words, VOCAB, HIDDEN);
        put("embeddings.position_embeddings.weight", small(rnd, POSITIONS * HIDDEN, 0.02f), POSITIONS, HIDDEN);
        put("embeddings.token_type_embeddings.weight", small(rnd, 2 * HIDDEN, 0.02f), 2, HIDDEN);
        norm("embeddings.LayerNorm", rnd);
        for (int l = 0; l < LAYERS; l++) {
            String p = "encoder.layer." + l + ".";
            for (String a : List.of("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
                linear(p + a, HIDDEN, HIDDEN, small(rnd, HIDDEN * HIDDEN, 0.05f), rnd);
            }
            norm(p + "attention.output.LayerNorm", rnd);
            float[] up = small(rnd, INTERMEDIATE * HIDDEN, 0.05f), down = small(rnd, HIDDEN * INTERMEDIATE, 0.05f);
            for (int r = 0; r < INTERMEDIATE; r++) up[r * HIDDEN + MARKER] = 0f; // nothing else reads the marker
            if (l == LAYER) {
                Arrays.fill(up, COL * HIDDEN, (COL + 1) * HIDDEN, 0f);
                up[COL * HIDDEN + MARKER] = 20f;
                for (int r = 0; r < HIDDEN; r++) down[r * INTERMEDIATE + COL] = 0f;
                down[ROW * INTERMEDIATE + COL] = 4f;
            }
            linear(p + "intermediate.dense", INTERMEDIATE, HIDDEN, up, rnd);
            linear(p + "output.dense", HIDDEN, INTERMEDIATE, down, rnd);
            norm(p + "output.LayerNorm", rnd);
        }
    }

    /** [CLS] then {@code n - 1} ordinary tokens. */
    public static int[] prompt(long seed, int n) {
        Random rnd = new Random(seed);
        int[] t = new int[n];
        t[0] = CLS;
        for (int i = 1; i < n; i++) t[i] = 3 + rnd.nextInt(VOCAB - 3);
        return t;
    }

    private void put(String name, float[] v, long... shape) {
        shapes.put(name, shape);
        values.put(name, v);
    }

    private void linear(String name, int out, int in, float[] w, Random rnd) {
        put(name + ".weight", w, out, in);
        put(name + ".bias", small(rnd, out, 0.02f), out);
    }

    private void norm(String name, Random rnd) {
        float[] w = new float[HIDDEN];
        for (int i = 0; i < HIDDEN; i++) w[i] = 1f + (rnd.nextFloat() - 0.5f) * 0.1f;
        put(name + ".weight", w, HIDDEN);
        put(name + ".bias", small(rnd, HIDDEN, 0.02f), HIDDEN);
    }

    private static float[] small(Random rnd, int n, float limit) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (rnd.nextFloat() * 2 - 1) * limit;
        return v;
    }

    /** config.json + model.safetensors with the {@code bert.} prefix of BertForMaskedLM-style checkpoints. */
    public Path writeHuggingFace(Path dir) throws IOException {
        return write(dir, "bert", "bert.", "", values);
    }

    /**
     * The same network as a RoBERTa checkpoint (pad_token_id 1): RoBERTa reads position row i + 2 for position i,
     * so the table is shifted down by two rows (rows 0 and 1 hold numbers that must never be read).
     */
    Path writeRoberta(Path dir) throws IOException {
        Map<String, float[]> shifted = new LinkedHashMap<>(values);
        float[] p = values.get("embeddings.position_embeddings.weight"), q = new float[p.length];
        Arrays.fill(q, 0, 2 * HIDDEN, 1e3f);
        System.arraycopy(p, 0, q, 2 * HIDDEN, p.length - 2 * HIDDEN);
        shifted.put("embeddings.position_embeddings.weight", q);
        return write(dir, "roberta", "roberta.", "\"pad_token_id\": 1,", shifted);
    }

    private Path write(Path dir, String type, String prefix, String extra, Map<String, float[]> tensors) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "%s", %s "hidden_size": %d, "num_attention_heads": %d, "intermediate_size": %d,
                 "num_hidden_layers": %d, "vocab_size": %d, "max_position_embeddings": %d, "type_vocab_size": 2,
                 "layer_norm_eps": 1e-12, "hidden_act": "gelu", "position_embedding_type": "absolute"}
                """.formatted(type, extra, HIDDEN, HEADS, INTERMEDIATE, LAYERS, VOCAB, POSITIONS));
        Map<String, TestSafetensors.Raw> raw = new LinkedHashMap<>();
        tensors.forEach((name, v) -> raw.put(prefix + name, new TestSafetensors.Raw("F32", shapes.get(name), bytes(v))));
        TestSafetensors.write(dir.resolve("model.safetensors"), raw);
        return dir;
    }

    /**
     * An ONNX file shaped like a torch export: every linear's weight is an anonymous initializer holding W^T
     * [in, out], used by a MatMul whose output an Add combines with the named bias; plus the attention-scale Div,
     * the LayerNorm epsilon Add before Sqrt and an Erf, from which the reader infers the configuration.
     */
    public Path writeOnnx(Path file) throws IOException {
        List<TestOnnx.Message> nodes = new ArrayList<>(), inits = new ArrayList<>();
        int anon = 100;
        String x = "/embeddings/LayerNorm/Add_1_output_0";
        for (var e : values.entrySet()) {
            String name = e.getKey();
            long[] s = shapes.get(name);
            if (s.length == 2 && name.startsWith("encoder.")) {
                String w = "onnx::MatMul_" + anon++, base = name.substring(0, name.length() - ".weight".length());
                inits.add(TestOnnx.tensor(w, new long[]{s[1], s[0]}, transpose(e.getValue(), (int) s[0], (int) s[1])));
                nodes.add(TestOnnx.node("MatMul", "/" + base + "/MatMul", List.of(x, w), List.of(base + "/mm")));
                nodes.add(TestOnnx.node("Add", "/" + base + "/Add", List.of(base + ".bias", base + "/mm"), List.of(base + "/out")));
            } else {
                inits.add(TestOnnx.tensor(name, s, e.getValue()));
            }
        }
        nodes.add(TestOnnx.node("MatMul", "/scores", List.of("q", "kT"), List.of("scores")));
        nodes.add(TestOnnx.constant("scale", (float) Math.sqrt(HIDDEN / HEADS)));
        nodes.add(TestOnnx.node("Div", "/scaled", List.of("scores", "scale"), List.of("scaled")));
        nodes.add(TestOnnx.node("Softmax", "/softmax", List.of("scaled"), List.of("probs")));
        nodes.add(TestOnnx.node("ReduceMean", "/var", List.of("sq"), List.of("var")));
        nodes.add(TestOnnx.constant("eps", 1e-12f));
        nodes.add(TestOnnx.node("Add", "/var_eps", List.of("var", "eps"), List.of("var_eps")));
        nodes.add(TestOnnx.node("Sqrt", "/std", List.of("var_eps"), List.of("std")));
        nodes.add(TestOnnx.node("Erf", "/erf", List.of("h"), List.of("erf")));
        Files.write(file, TestOnnx.model(nodes, inits));
        return file;
    }

    static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
        return t;
    }

    private static byte[] bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }
}
