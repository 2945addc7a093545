package superweight.model.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Test helper: a minimal protobuf writer for ONNX ModelProto files (field numbers from onnx.proto), enough to
 * build the graphs a torch/optimum BERT export has, or broken variants of them.
 */
public final class TestOnnx {
    private TestOnnx() {
    }

    /** One protobuf message under construction. */
    public static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Message varint(int field, long v) {
            tag(field, 0);
            raw(v);
            return this;
        }

        public Message fixed32(int field, float f) {
            tag(field, 5);
            int bits = Float.floatToRawIntBits(f);
            for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
            return this;
        }

        public Message bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            out.writeBytes(b);
            return this;
        }

        public Message string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        public Message message(int field, Message m) {
            return bytes(field, m.toBytes());
        }

        public byte[] toBytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wire) {
            raw(((long) field << 3) | wire);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }

    public static final int FLOAT = 1, INT8 = 3, INT64 = 7, FLOAT16 = 10;

    /** TensorProto: dims (field 1), data_type (2), name (8), raw_data (9, little-endian floats). */
    public static Message tensor(String name, long[] dims, float[] values) {
        Message t = new Message();
        for (long d : dims) t.varint(1, d);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return t.varint(2, FLOAT).string(8, name).bytes(9, b.array());
    }

    /** NodeProto: input (1), output (2), name (3), op_type (4). */
    public static Message node(String op, String name, List<String> inputs, List<String> outputs) {
        Message n = new Message();
        for (String i : inputs) n.string(1, i);
        for (String o : outputs) n.string(2, o);
        return n.string(3, name).string(4, op);
    }

    /** A Constant node whose "value" attribute (AttributeProto: name 1, t 5, type 20 = TENSOR) is one float. */
    public static Message constant(String output, float value) {
        Message attr = new Message().string(1, "value").message(5, tensor("", new long[0], new float[]{value})).varint(20, 4);
        return node("Constant", output, List.of(), List.of(output)).message(5, attr);
    }

    /** A node with one float attribute (AttributeProto: name 1, f 2, type 20 = FLOAT), e.g. LayerNormalization's epsilon. */
    public static Message node(String op, String name, List<String> inputs, List<String> outputs, String attribute, float value) {
        return node(op, name, inputs, outputs).message(5, new Message().string(1, attribute).fixed32(2, value).varint(20, 1));
    }

    /** An int64 TensorProto (data_type 7) with packed raw_data, as torch exports embeddings.position_ids. */
    public static Message int64Tensor(String name, long[] dims, long[] values) {
        Message t = new Message();
        for (long d : dims) t.varint(1, d);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return t.varint(2, INT64).string(8, name).bytes(9, b.array());
    }

    /** ModelProto (ir_version 1, graph 7, opset_import 8) around GraphProto (node 1, name 2, initializer 5). */
    public static byte[] model(List<Message> nodes, List<Message> initializers) {
        Message g = new Message();
        for (Message n : nodes) g.message(1, n);
        g.string(2, "torch_jit");
        for (Message i : initializers) g.message(5, i);
        return new Message().varint(1, 8).string(2, "superweight-test").message(7, g)
                .message(8, new Message().varint(2, 14)).toBytes();
    }
}
