package superweight.model;

import java.lang.foreign.MemorySegment;

/**
 * ggml Q4_0: blocks of 32 values, an f16 scale d and 16 bytes of nibbles; byte j holds element j in its low
 * nibble and element j+16 in its high nibble; value = d * (nibble - 8).
 */
public final class Q4_0Tensor extends StoredTensor {
    static final int BLOCK = 32, BYTES = 18;

    public Q4_0Tensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q4_0";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int j = col % BLOCK;
        int q = data.get(I8, b + 2 + (j & 15)) & 0xFF;
        return f16(data.get(I16, b)) * (((j < 16) ? q & 15 : q >>> 4) - 8);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b));
            for (int j = 0; j < 16; j++) {
                int q = data.get(I8, b + 2 + j) & 0xFF;
                dst[off + c + j] = d * ((q & 15) - 8);
                dst[off + c + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }
}
