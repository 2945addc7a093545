package superweight.model.tensor;

import java.lang.foreign.MemorySegment;

/** ggml Q4_1: blocks of 32 values, f16 scale d, f16 minimum m, 16 bytes of nibbles (as Q4_0); value = d*q + m. */
public final class Q4_1Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 20;

    public Q4_1Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q4_1";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int j = col % BLOCK;
        int q = data.get(I8, b + 4 + (j & 15)) & 0xFF;
        return f16(data.get(I16, b)) * ((j < 16) ? q & 15 : q >>> 4) + f16(data.get(I16, b + 2));
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b));
            float m = f16(data.get(I16, b + 2));
            for (int j = 0; j < 16; j++) {
                int q = data.get(I8, b + 4 + j) & 0xFF;
                dst[off + c + j] = d * (q & 15) + m;
                dst[off + c + j + 16] = d * (q >>> 4) + m;
            }
        }
    }
}
