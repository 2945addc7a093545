package superweight.model;

import java.lang.foreign.MemorySegment;

/** ggml Q8_0: blocks of 32 values, an f16 scale d and 32 int8 q; value = d * q. */
public final class Q8_0Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 34;

    public Q8_0Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q8_0";
    }

    private long blockOffset(long row, int col) {
        return (row * (cols / BLOCK) + col / BLOCK) * BYTES;
    }

    @Override
    public float get(long row, int col) {
        long b = blockOffset(row, col);
        return f16(data.get(I16, b)) * data.get(I8, b + 2 + col % BLOCK);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = blockOffset(row, 0);
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b));
            for (int j = 0; j < BLOCK; j++) dst[off + c + j] = d * data.get(I8, b + 2 + j);
        }
    }
}
