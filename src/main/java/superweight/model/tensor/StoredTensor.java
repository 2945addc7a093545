package superweight.model.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** A tensor whose bytes lie in a (usually memory-mapped) segment, row after row. */
public abstract class StoredTensor extends Tensor {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    protected final MemorySegment data;

    protected StoredTensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols);
        this.data = data;
    }

    /** Creates the tensor class for a ggml type over {@code data}; the caller has checked the size. */
    public static Tensor of(int ggmlType, String name, long rows, int cols, MemorySegment data) {
        return switch (ggmlType) {
            case GgmlType.F32 -> new F32Tensor(name, rows, cols, data);
            case GgmlType.F16 -> new F16Tensor(name, rows, cols, data);
            case GgmlType.BF16 -> new BF16Tensor(name, rows, cols, data);
            case GgmlType.Q8_0 -> new Q8_0Tensor(name, rows, cols, data);
            case GgmlType.Q4_0 -> new Q4_0Tensor(name, rows, cols, data);
            case GgmlType.Q4_1 -> new Q4_1Tensor(name, rows, cols, data);
            case GgmlType.Q4_K -> new Q4_KTensor(name, rows, cols, data);
            case GgmlType.Q5_K -> new Q5_KTensor(name, rows, cols, data);
            case GgmlType.Q6_K -> new Q6_KTensor(name, rows, cols, data);
            default -> throw new IllegalArgumentException("unsupported type " + GgmlType.name(ggmlType));
        };
    }

    /** The raw bytes (for writers and fingerprints). */
    public MemorySegment data() {
        return data;
    }

    static float f16(short bits) {
        return Float.float16ToFloat(bits);
    }
}
