package superweight.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import superweight.SuperweightException;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX export of a BERT-family encoder (optimum, transformers.js, the Java embedding libraries): the graph's
 * fp32 initializers, read from the memory-mapped file with a small protobuf reader (no ONNX runtime). Biases and
 * LayerNorms keep their Hugging Face names; the projection weights are anonymous MatMul inputs
 * ({@code onnx::MatMul_N}, stored transposed [in, out]), so each is named through the graph: the MatMul's output
 * feeds an Add with the bias {@code X.bias}, hence the weight is {@code X.weight}, transposed here into the
 * [out, in] rows the engine uses (a heap copy; the rest stays mapped). What this reader does not understand is
 * refused with a message: fp16/bf16 or int8-quantized weights, external data files, fused or unknown operators,
 * a MatMul weight without a bias Add.
 *
 * <p>The configuration is config.json beside the file or one folder up (the Hugging Face layout
 * {@code onnx/model.onnx}); without one it is inferred from the graph: sizes from the tensor shapes, the head size
 * from the attention's 1/sqrt(d) scale constant, the LayerNorm epsilon from its constant, exact GELU from Erf.
 */
public final class OnnxCheckpoint implements Checkpoint {
    private static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, FLOAT16 = 10, DOUBLE = 11, BFLOAT16 = 16;
    private static final int MAX_NAME = 1 << 16, MAX_DIMS = 8, MAX_NODES = 1 << 20;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Set<String> QUANTIZED_OPS = Set.of("DequantizeLinear", "QuantizeLinear", "DynamicQuantizeLinear",
            "MatMulInteger", "QLinearMatMul", "ConvInteger", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QAttention");
    /** The operators of a plain torch/optimum BERT export; anything else (fused attention, Gemm, ...) is refused. */
    private static final Set<String> KNOWN_OPS = Set.of("Constant", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh",
            "MatMul", "Softmax", "ReduceMean", "LayerNormalization", "Gather", "Unsqueeze", "Squeeze", "Shape", "Concat",
            "Reshape", "Transpose", "Cast", "Slice", "Expand", "Equal", "Where", "ConstantOfShape", "Identity", "Range",
            "CumSum", "Not", "Less", "Greater", "Neg", "Max", "Min");

    /** A float32 initializer: where its little-endian values lie, or (unpacked float_data) the values themselves. */
    private record Initializer(String name, long[] dims, long dataStart, float[] values) {
    }

    private record Node(String op, String name, List<String> inputs, List<String> outputs, float scalar, float epsilon) {
    }

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private MemorySegment file;
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    /** Hugging Face weight name -> anonymous MatMul initializer holding its transpose. */
    private final Map<String, String> transposed = new LinkedHashMap<>();
    private final Map<String, String> exposedToStored = new LinkedHashMap<>();
    private final Map<String, Tensor> opened = new LinkedHashMap<>();
    private long dataBytes;

    private OnnxCheckpoint(Path path) {
        this.path = path;
    }

    public static OnnxCheckpoint open(Path path) {
        OnnxCheckpoint c = new OnnxCheckpoint(path);
        try {
            c.read();
            c.nameMatMulWeights();
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private void read() {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw new SuperweightException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        Protobuf model = new Protobuf(path, file, 0, file.byteSize());
        boolean graph = false;
        while (model.next()) {
            if (model.field() == 7 && model.wireType() == Protobuf.BYTES) {
                if (graph) throw model.error("two graphs");
                readGraph(model.message());
                graph = true;
            } else {
                model.skip();
            }
        }
        if (!graph) throw new SuperweightException(path + ": not an ONNX model (no graph)");
        if (initializers.isEmpty()) throw new SuperweightException(path + ": ONNX graph has no fp32 initializers");
        for (Node n : nodes) {
            if (QUANTIZED_OPS.contains(n.op())) {
                throw new SuperweightException(path + ": int8-quantized ONNX export (operator " + n.op() + ") is not supported; use the fp32 model.onnx");
            }
            if (!KNOWN_OPS.contains(n.op())) {
                throw new SuperweightException(path + ": ONNX operator " + n.op() + " (node " + n.name()
                        + ") is not part of a plain BERT export this reader understands (optimized or fused graphs are not supported)");
            }
        }
    }

    private void readGraph(Protobuf g) {
        while (g.next()) {
            switch (g.field()) {
                case 1 -> {
                    if (nodes.size() >= MAX_NODES) throw g.error("more than " + MAX_NODES + " nodes");
                    nodes.add(readNode(g.message()));
                }
                case 5 -> readInitializer(g.message());
                case 15 -> throw new SuperweightException(path + ": sparse initializers are not supported");
                default -> g.skip();
            }
        }
    }

    private Node readNode(Protobuf n) {
        String op = "", name = "";
        List<String> in = new ArrayList<>(), out = new ArrayList<>();
        float scalar = Float.NaN, eps = Float.NaN;
        while (n.next()) {
            switch (n.field()) {
                case 1 -> in.add(n.string(MAX_NAME));
                case 2 -> out.add(n.string(MAX_NAME));
                case 3 -> name = n.string(MAX_NAME);
                case 4 -> op = n.string(MAX_NAME);
                case 5 -> {
                    float[] attr = readAttribute(n.message());
                    if (attr[0] == 1) scalar = attr[1];
                    if (attr[0] == 2) eps = attr[1];
                }
                default -> n.skip();
            }
        }
        return new Node(op, name, in, out, scalar, eps);
    }

    /** {kind, value}: kind 1 = a Constant's scalar float value, 2 = an epsilon attribute, 0 = anything else. */
    private float[] readAttribute(Protobuf a) {
        String name = "";
        float f = Float.NaN, t = Float.NaN;
        while (a.next()) {
            switch (a.field()) {
                case 1 -> name = a.string(MAX_NAME);
                case 2 -> f = a.wireType() == Protobuf.FIXED32 ? a.fixed32Float() : skipNaN(a);
                case 5 -> t = scalarTensor(a.message());
                default -> a.skip();
            }
        }
        if (name.equals("value")) return new float[]{1, t};
        if (name.equals("value_float")) return new float[]{1, f};
        if (name.equals("epsilon")) return new float[]{2, f};
        return new float[]{0, 0};
    }

    private static float skipNaN(Protobuf p) {
        p.skip();
        return Float.NaN;
    }

    /** A Constant's tensor value when it is one float32, else NaN. */
    private float scalarTensor(Protobuf t) {
        Parsed p = parseTensor(t);
        if (p.dataType != FLOAT || p.elements() != 1) return Float.NaN;
        if (p.values != null) return p.values[0];
        return p.dataLength == 4 ? file.get(LE_FLOAT, p.dataStart) : Float.NaN;
    }

    private static final class Parsed {
        String name = "";
        int dataType = -1;
        List<Long> dims = new ArrayList<>();
        long dataStart = -1, dataLength = -1;
        float[] values;
        boolean external;

        long elements() {
            long e = 1;
            for (long d : dims) e = Math.multiplyExact(e, d);
            return e;
        }
    }

    private Parsed parseTensor(Protobuf t) {
        Parsed p = new Parsed();
        List<Float> unpacked = null;
        while (t.next()) {
            switch (t.field()) {
                case 1 -> {
                    if (t.wireType() == Protobuf.BYTES) {
                        Protobuf packed = t.message();
                        while (packed.position() < packed.endOffset()) addDim(p, packed.varint(), t);
                    } else {
                        addDim(p, t.varint(), t);
                    }
                }
                case 2 -> p.dataType = (int) t.varint();
                case 4 -> {
                    if (t.wireType() == Protobuf.BYTES) {
                        long[] r = t.bytesRange();
                        p.dataStart = r[0];
                        p.dataLength = r[1] - r[0];
                    } else {
                        if (unpacked == null) unpacked = new ArrayList<>();
                        if (unpacked.size() >= 1 << 20) throw t.error("more than 2^20 unpacked float_data values");
                        unpacked.add(t.fixed32Float());
                    }
                }
                case 8 -> p.name = t.string(MAX_NAME);
                case 9 -> {
                    long[] r = t.bytesRange();
                    p.dataStart = r[0];
                    p.dataLength = r[1] - r[0];
                }
                case 13 -> {
                    p.external = true;
                    t.skip();
                }
                case 14 -> p.external |= t.varint() == 1;
                default -> t.skip();
            }
        }
        if (unpacked != null) {
            p.values = new float[unpacked.size()];
            for (int i = 0; i < p.values.length; i++) p.values[i] = unpacked.get(i);
        }
        return p;
    }

    private void addDim(Parsed p, long d, Protobuf t) {
        if (p.dims.size() >= MAX_DIMS) throw t.error("tensor with more than " + MAX_DIMS + " dimensions");
        if (d < 0 || d > Integer.MAX_VALUE) throw t.error("tensor dimension " + d);
        p.dims.add(d);
    }

    private void readInitializer(Protobuf t) {
        Parsed p = parseTensor(t);
        String where = path + ": initializer " + p.name;
        if (p.external) throw new SuperweightException(where + " lives in an external data file, which is not supported");
        switch (p.dataType) {
            case FLOAT -> {
            }
            case FLOAT16, BFLOAT16 -> throw new SuperweightException(where + " is " + (p.dataType == FLOAT16 ? "fp16" : "bf16")
                    + "; only fp32 ONNX exports are supported");
            case INT8, UINT8 -> throw new SuperweightException(where + " is int8/uint8 (a quantized export); only fp32 ONNX exports are supported");
            case INT32, INT64 -> {
                return; // index buffers such as embeddings.position_ids and shape constants
            }
            default -> throw new SuperweightException(where + " has unsupported ONNX data type " + p.dataType
                    + (p.dataType == DOUBLE ? " (double)" : ""));
        }
        long elements;
        try {
            elements = p.elements();
        } catch (ArithmeticException e) {
            throw new SuperweightException(where + ": element count overflows");
        }
        if (p.dims.size() > 2) throw new SuperweightException(where + " has " + p.dims.size() + " dimensions (expected 1 or 2)");
        // protobuf does not write an empty bytes field: an empty tensor has no raw_data at all
        long dataLength = Math.max(p.dataLength, 0), dataStart = Math.max(p.dataStart, 0);
        if (p.values != null) {
            if (p.values.length != elements) throw new SuperweightException(where + " has " + p.values.length + " values for " + elements + " elements");
        } else if (dataLength != elements * 4) {
            throw new SuperweightException(where + " has " + dataLength + " data bytes for shape " + p.dims + " (expected " + elements * 4 + ")");
        }
        if (initializers.containsKey(p.name)) throw new SuperweightException(where + " appears twice");
        long[] dims = p.dims.stream().mapToLong(Long::longValue).toArray();
        initializers.put(p.name, new Initializer(p.name, dims, dataStart, p.values));
        dataBytes += elements * 4;
    }

    /** Names every MatMul weight after the bias its output is added to (see the class comment). */
    private void nameMatMulWeights() {
        Map<String, List<Node>> consumers = new HashMap<>();
        for (Node n : nodes) for (String in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        for (Node n : nodes) {
            if (n.op().equals("MatMul") && n.inputs().size() == 2 && initializers.containsKey(n.inputs().get(0))) {
                throw new SuperweightException(path + ": MatMul node " + n.name() + " has a weight as its first input; graph not understood");
            }
            if (!n.op().equals("MatMul") || n.inputs().size() != 2 || !initializers.containsKey(n.inputs().get(1))) continue;
            Initializer w = initializers.get(n.inputs().get(1));
            String bias = biasAdded(n, w, consumers);
            if (bias == null) {
                throw new SuperweightException(path + ": MatMul node " + n.name() + " (weight " + w.name()
                        + ") is not followed by a bias Add; graph not understood");
            }
            String hf = bias.substring(0, bias.length() - "bias".length()) + "weight";
            if (transposed.put(hf, w.name()) != null) throw new SuperweightException(path + ": two MatMul weights map to " + hf);
        }
        Set<String> hidden = Set.copyOf(transposed.values());
        for (String name : initializers.keySet()) if (!hidden.contains(name)) exposedToStored.put(name, name);
        for (var e : transposed.entrySet()) exposedToStored.put(e.getKey(), e.getValue());
    }

    private String biasAdded(Node matmul, Initializer w, Map<String, List<Node>> consumers) {
        if (w.dims().length != 2 || matmul.outputs().isEmpty()) return null;
        for (Node c : consumers.getOrDefault(matmul.outputs().get(0), List.of())) {
            if (!c.op().equals("Add")) continue;
            for (String in : c.inputs()) {
                Initializer b = initializers.get(in);
                if (b != null && in.endsWith(".bias") && b.dims().length == 1 && b.dims()[0] == w.dims()[1]) return in;
            }
        }
        return null;
    }

    // ---- configuration ---------------------------------------------------------------------------------------

    /** The folder holding config.json / tokenizer.json: the file's own, or its parent for the onnx/model.onnx layout. */
    public Path directory() {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.exists(dir.resolve("config.json")) && !Files.exists(dir.resolve("tokenizer.json")) && dir.getParent() != null
                && Files.exists(dir.getParent().resolve("config.json"))) {
            return dir.getParent();
        }
        return dir;
    }

    /** config.json from {@link #directory()}, or one inferred from the graph (see the class comment). */
    public JsonNode config() {
        Path cfg = directory().resolve("config.json");
        if (Files.exists(cfg)) return SafetensorsCheckpoint.readJson(cfg);
        return inferredConfig();
    }

    private JsonNode inferredConfig() {
        long[] words = shapeOf("embeddings.word_embeddings.weight");
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("model_type", "bert");
        c.put("vocab_size", words[0]);
        c.put("hidden_size", words[1]);
        c.put("max_position_embeddings", shapeOf("embeddings.position_embeddings.weight")[0]);
        c.put("type_vocab_size", shapeOf("embeddings.token_type_embeddings.weight")[0]);
        int layers = 0;
        while (initializers.containsKey("encoder.layer." + layers + ".output.dense.bias")) layers++;
        if (layers == 0) throw new SuperweightException(path + ": no encoder.layer.0.output.dense.bias; not a BERT export this reader understands");
        c.put("num_hidden_layers", layers);
        c.put("intermediate_size", shapeOf("encoder.layer.0.intermediate.dense.bias")[0]);
        int headDim = inferredHeadDim();
        if (words[1] % headDim != 0) throw new SuperweightException(path + ": inferred head size " + headDim + " does not divide " + words[1]);
        c.put("num_attention_heads", words[1] / headDim);
        // the shortest decimal of the float constant: 1e-12 rather than its binary neighbour 9.99999996e-13
        c.put("layer_norm_eps", Double.parseDouble(Float.toString(inferredEpsilon())));
        boolean erf = nodes.stream().anyMatch(n -> n.op().equals("Erf"));
        boolean tanh = nodes.stream().anyMatch(n -> n.op().equals("Tanh"));
        if (erf == tanh) throw new SuperweightException(path + ": cannot tell the GELU variant from the graph; put config.json beside it");
        c.put("hidden_act", erf ? "gelu" : "gelu_new");
        return c;
    }

    private long[] shapeOf(String name) {
        Initializer i = initializers.get(name);
        if (i == null) throw new SuperweightException(path + ": no initializer " + name + " (no config.json beside the file to say what this is)");
        return i.dims();
    }

    /** The attention scores are divided by sqrt(head size) (or multiplied by its inverse) right after Q K^T. */
    private int inferredHeadDim() {
        Map<String, Node> producer = new HashMap<>();
        for (Node n : nodes) for (String o : n.outputs()) producer.put(o, n);
        for (Node n : nodes) {
            if (!(n.op().equals("Div") || n.op().equals("Mul")) || n.inputs().size() != 2) continue;
            Node left = producer.get(n.inputs().get(0)), right = producer.get(n.inputs().get(1));
            if (left == null || !left.op().equals("MatMul") || initializers.containsKey(left.inputs().get(1))) continue;
            float s = right != null && right.op().equals("Constant") ? right.scalar() : Float.NaN;
            if (Float.isNaN(s) || s <= 0) continue;
            double d = n.op().equals("Div") ? (double) s * s : 1.0 / ((double) s * s);
            if (Math.abs(d - Math.rint(d)) < 1e-3 && d >= 1) return (int) Math.rint(d);
        }
        throw new SuperweightException(path + ": cannot find the attention scale in the graph; put config.json beside it");
    }

    /** LayerNormalization's epsilon attribute, or the constant added to the variance before Sqrt. */
    private float inferredEpsilon() {
        Map<String, Node> producer = new HashMap<>();
        for (Node n : nodes) for (String o : n.outputs()) producer.put(o, n);
        for (Node n : nodes) {
            if (n.op().equals("LayerNormalization") && !Float.isNaN(n.epsilon())) return n.epsilon();
            if (!n.op().equals("Sqrt")) continue;
            Node add = producer.get(n.inputs().get(0));
            if (add == null || !add.op().equals("Add")) continue;
            for (String in : add.inputs()) {
                Node k = producer.get(in);
                if (k != null && k.op().equals("Constant") && !Float.isNaN(k.scalar())) return k.scalar();
            }
        }
        throw new SuperweightException(path + ": cannot find the LayerNorm epsilon in the graph; put config.json beside it");
    }

    // ---- Checkpoint ------------------------------------------------------------------------------------------

    @Override
    public Format format() {
        return Format.ONNX;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> tensorNames() {
        return Collections.unmodifiableSet(exposedToStored.keySet());
    }

    @Override
    public synchronized Tensor tensor(String name) {
        Tensor t = opened.get(name);
        if (t != null) return t;
        String stored = exposedToStored.get(name);
        if (stored == null) throw new SuperweightException(path + ": missing tensor " + name);
        Initializer i = initializers.get(stored);
        long[] d = i.dims();
        long rows = d.length == 2 ? d[0] : 1;
        int cols = (int) (d.length == 0 ? 1 : d[d.length - 1]);
        if (transposed.containsKey(name)) {
            t = F32Tensor.of(name, cols, (int) rows, transpose(i, (int) rows, cols));
        } else if (i.values() != null) {
            t = F32Tensor.of(name, rows, cols, i.values());
        } else {
            t = new F32Tensor(name, rows, cols, file.asSlice(i.dataStart(), rows * cols * 4));
        }
        opened.put(name, t);
        return t;
    }

    private float[] transpose(Initializer i, int rows, int cols) {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = i.values() != null ? i.values()[r * cols + c] : file.get(LE_FLOAT, i.dataStart() + ((long) r * cols + c) * 4);
            }
        }
        return out;
    }

    @Override
    public long[] shape(String name) {
        String stored = exposedToStored.get(name);
        if (stored == null) throw new SuperweightException(path + ": missing tensor " + name);
        long[] d = initializers.get(stored).dims().clone();
        if (transposed.containsKey(name)) return new long[]{d[1], d[0]};
        return d;
    }

    @Override
    public synchronized Set<String> openedTensorNames() {
        return Set.copyOf(opened.keySet());
    }

    @Override
    public long dataBytes() {
        return dataBytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
