package superweight.model;

import java.lang.foreign.MemorySegment;

/** bfloat16 storage: the upper 16 bits of a float32, widened exactly in the kernel. */
public final class BF16Tensor extends StoredTensor {
    public BF16Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "BF16";
    }

    @Override
    public float get(long row, int col) {
        return Float.intBitsToFloat(data.get(I16, (row * cols + col) * 2) << 16);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long base = row * cols * 2;
        for (int i = 0; i < cols; i++) dst[off + i] = Float.intBitsToFloat(data.get(I16, base + 2L * i) << 16);
    }
}
