package superweight.model.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test helper: the weights of a Hugging Face BERT safetensors file written as a torch-style ONNX export, the way
 * torch.onnx / optimum lay it out: embeddings as Gather tables, each projection as {@code MatMul(x, onnx::MatMul_N)}
 * with the weight stored transposed [in, out] under an anonymous name and followed by {@code Add(bias, ...)}, the
 * attention scores divided (or multiplied) by a Constant, LayerNorms fused or decomposed, GELU through Erf or Tanh.
 * Only the initializers and the node wiring the reader looks at are faithful; the graph is not meant to be run.
 */
public final class TestBertOnnx {
    /**
     * How the export spells the parts the reader infers the configuration from: the LayerNorm ("fused" with its
     * epsilon attribute, "fused-no-epsilon", or "decomposed" into ReduceMean/Sub/Pow/Add/Sqrt/Div), the GELU's
     * operator (Erf, Tanh, or any other to leave it out), the attention scale ("Div" by sqrt(head size), "Mul" by
     * its inverse, "none"), and how Constants carry their value: "raw_data" or "float_data" of a {@code value} tensor,
     * or a {@code value_float}. With {@code decoys}, nodes that look partly like the attention scale or the
     * LayerNorm epsilon come first in each layer, so that a reader that checks less than all of the pattern picks
     * the wrong one (see {@link #scaleDecoys}, {@link #epsilonDecoys}).
     */
    public record Style(String layerNorm, String geluOp, String scaleOp, String constants, boolean decoys) {
        public static final Style TORCH = new Style("fused", "Erf", "Div", "raw_data", false);
    }

    private final Map<String, TestSafetensors.Raw> weights;
    private final Style style;
    private final List<TestOnnx.Message> nodes = new ArrayList<>(), initializers = new ArrayList<>();
    private int matmuls, values;

    private TestBertOnnx(Map<String, TestSafetensors.Raw> weights, Style style) {
        this.weights = weights;
        this.style = style;
    }

    /** The ONNX bytes of {@code layers} layers of the BERT in {@code safetensors} with {@code headSize}-wide heads. */
    public static byte[] export(Path safetensors, int layers, int headSize, Style style) throws IOException {
        TestBertOnnx b = new TestBertOnnx(TestSafetensors.read(safetensors), style);
        b.embeddings();
        String h = b.layerNorm("embeddings.LayerNorm", "emb");
        for (int l = 0; l < layers; l++) h = b.layer("encoder.layer." + l + ".", h, headSize);
        return TestOnnx.model(b.nodes, b.initializers);
    }

    private void embeddings() {
        for (String table : List.of("word_embeddings", "position_embeddings", "token_type_embeddings")) {
            plain("embeddings." + table + ".weight");
            node("Gather", List.of("embeddings." + table + ".weight", table + "_ids"), table);
        }
        initializers.add(TestOnnx.int64Tensor("embeddings.position_ids", new long[]{1, 4}, new long[]{0, 1, 2, 3}));
        node("Add", List.of("word_embeddings", "position_embeddings"), "emb0");
        node("Add", List.of("emb0", "token_type_embeddings"), "emb");
    }

    private String layer(String p, String x, int headSize) {
        String q = linear(p + "attention.self.query", x), k = linear(p + "attention.self.key", x);
        String v = linear(p + "attention.self.value", x);
        String kt = node("Transpose", List.of(k), p + "kt");
        String scores = node("MatMul", List.of(q, kt), p + "scores");
        if (style.decoys()) scaleDecoys(p, scores);
        String scaled = switch (style.scaleOp()) {
            case "Div" -> node("Div", List.of(scores, constant((float) Math.sqrt(headSize))), p + "scaled");
            case "Mul" -> node("Mul", List.of(scores, constant((float) (1 / Math.sqrt(headSize)))), p + "scaled");
            default -> scores;
        };
        String probs = p + "probs";
        // Softmax carries an int attribute (AttributeProto i = 3, type 2 = INT) that the reader skips
        nodes.add(TestOnnx.node("Softmax", probs, List.of(scaled), List.of(probs))
                .message(5, new TestOnnx.Message().string(1, "axis").varint(3, 3).varint(20, 2)));
        String context = node("MatMul", List.of(probs, v), p + "context");
        String attn = node("Add", List.of(linear(p + "attention.output.dense", context), x), p + "attn_residual");
        String h = layerNorm(p + "attention.output.LayerNorm", attn);
        String inner = gelu(linear(p + "intermediate.dense", h), p);
        String out = node("Add", List.of(linear(p + "output.dense", inner), h), p + "out_residual");
        return layerNorm(p + "output.LayerNorm", out);
    }

    /** MatMul against the transposed weight, then Add(bias, product) as torch exports nn.Linear. */
    private String linear(String module, String x) {
        TestSafetensors.Raw w = weights.get(module + ".weight");
        int out = (int) w.shape()[0], in = (int) w.shape()[1];
        ByteBuffer src = ByteBuffer.wrap(w.data()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer t = ByteBuffer.allocate(w.data().length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < in; i++) for (int o = 0; o < out; o++) t.putFloat(src.getFloat((o * in + i) * 4));
        String anonymous = "onnx::MatMul_" + (1000 + matmuls++);
        initializers.add(raw(anonymous, new long[]{in, out}, t.array()));
        plain(module + ".bias");
        String product = node("MatMul", List.of(x, anonymous), module + "/MatMul");
        return node("Add", List.of(module + ".bias", product), module + "/Add");
    }

    /**
     * Each fails one part of "Div or Mul of the Q.K^T MatMul (no weight) by a positive float Constant whose square
     * (or inverse square) is a whole number >= 1"; a reader missing that part finds a head size other than the real one.
     */
    private void scaleDecoys(String p, String scores) {
        node("Add", List.of(scores, constant(3)), p + "decoy/add");                                   // not Div or Mul
        node("Div", List.of(p + "attention.self.query/MatMul", constant(3)), p + "decoy/weight");      // a weight's MatMul
        node("Div", List.of("token_type_ids", constant(3)), p + "decoy/input");                        // a graph input
        node("Div", List.of(scores, constant(-3)), p + "decoy/negative");
        node("Div", List.of(scores, constant(1.5f)), p + "decoy/fraction");                            // 2.25
        node("Mul", List.of(scores, constant(1000)), p + "decoy/tiny");                                // 1e-6 rounds to 0
        String int32 = p + "decoy/int32";                                                              // bits of 3.0f
        nodes.add(TestOnnx.node("Constant", int32, List.of(), List.of(int32)).message(5, new TestOnnx.Message().string(1, "value")
                .message(5, new TestOnnx.Message().varint(2, 6).bytes(9, new byte[]{0, 0, 0x40, 0x40})).varint(20, 4)));
        node("Div", List.of(scores, int32), p + "decoy/int32_div");
        String pair = p + "decoy/pair";                                                                // [3, 5]: not a scalar
        nodes.add(TestOnnx.node("Constant", pair, List.of(), List.of(pair)).message(5, new TestOnnx.Message().string(1, "value")
                .message(5, new TestOnnx.Message().varint(1, 2).varint(2, TestOnnx.FLOAT).fixed32(4, 3).fixed32(4, 5)).varint(20, 4)));
        node("Div", List.of(scores, pair), p + "decoy/pair_div");
    }

    /** Sqrt nodes that are not sqrt(variance + epsilon): of a Mul by a Constant, and of a graph input. */
    private void epsilonDecoys(String module, String x) {
        node("Sqrt", List.of(node("Mul", List.of(x, constant(7)), module + "/decoy/mul")), module + "/decoy/sqrt");
        node("Sqrt", List.of("attention_mask"), module + "/decoy/sqrt_input");
    }

    private String layerNorm(String module, String x) {
        if (style.decoys()) epsilonDecoys(module, x);
        plain(module + ".weight");
        plain(module + ".bias");
        float eps = 1e-12f;
        String y = module + "/LayerNormalization";
        List<String> in = List.of(x, module + ".weight", module + ".bias");
        switch (style.layerNorm()) {
            case "fused" -> {
                nodes.add(TestOnnx.node("LayerNormalization", y, in, List.of(y), "epsilon", eps));
                return y;
            }
            case "fused-no-epsilon" -> {
                return node("LayerNormalization", in, y);
            }
            case "fused-varint-epsilon" -> {  // a malformed attribute: f given as a varint, not a 32-bit float
                nodes.add(TestOnnx.node("LayerNormalization", y, in, List.of(y))
                        .message(5, new TestOnnx.Message().string(1, "epsilon").varint(2, 5).varint(20, 1)));
                return y;
            }
            default -> {
            }
        }
        String mean = node("ReduceMean", List.of(x), module + "/mean");
        String centred = node("Sub", List.of(x, mean), module + "/centred");
        String square = node("Pow", List.of(centred, constant(2)), module + "/square");
        String variance = node("ReduceMean", List.of(square), module + "/variance");
        String sd = node("Sqrt", List.of(node("Add", List.of(variance, constant(eps)), module + "/plus_eps")), module + "/sd");
        String normed = node("Div", List.of(centred, sd), module + "/normed");
        return node("Add", List.of(node("Mul", List.of(normed, module + ".weight"), module + "/scaled"), module + ".bias"), module + "/out");
    }

    /** Exact GELU as torch exports it: x * 0.5 * (1 + erf(x / sqrt 2)); the tanh form has a Tanh node instead. */
    private String gelu(String x, String p) {
        String arg = node("Div", List.of(x, constant((float) Math.sqrt(2))), p + "gelu/div");
        String f = node(style.geluOp(), List.of(arg), p + "gelu/" + style.geluOp());
        String plusOne = node("Add", List.of(f, constant(1)), p + "gelu/plus_one");
        return node("Mul", List.of(node("Mul", List.of(x, plusOne), p + "gelu/mul"), constant(0.5f)), p + "gelu/half");
    }

    private void plain(String name) {
        TestSafetensors.Raw w = weights.get(name);
        initializers.add(raw(name, w.shape(), w.data()));
    }

    private String constant(float value) {
        String out = "/Constant_" + values++ + "_output_0";
        nodes.add(switch (style.constants()) {
            case "value_float" -> TestOnnx.node("Constant", out, List.of(), List.of(out), "value_float", value);
            case "float_data" -> TestOnnx.node("Constant", out, List.of(), List.of(out)).message(5, new TestOnnx.Message().string(1, "value")
                    .message(5, new TestOnnx.Message().varint(2, TestOnnx.FLOAT).fixed32(4, value)).varint(20, 4));
            default -> TestOnnx.constant(out, value);
        });
        return out;
    }

    /** With the node's domain (NodeProto field 7), which torch writes as "" and the reader skips. */
    private String node(String op, List<String> inputs, String output) {
        nodes.add(TestOnnx.node(op, output, inputs, List.of(output)).string(7, ""));
        return output;
    }

    /** A float32 TensorProto with the little-endian bytes as raw_data. */
    private static TestOnnx.Message raw(String name, long[] dims, byte[] data) {
        TestOnnx.Message t = new TestOnnx.Message();
        for (long d : dims) t.varint(1, d);
        return t.varint(2, TestOnnx.FLOAT).string(8, name).bytes(9, data);
    }
}
