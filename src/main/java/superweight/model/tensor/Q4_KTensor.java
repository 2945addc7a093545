package superweight.model.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml Q4_K: super-blocks of 256 values = 8 sub-blocks of 32, each with a 6-bit scale and 6-bit minimum packed
 * into 12 bytes, under f16 super-scales d and dmin: value = d*scale*q - dmin*min, q a 4-bit nibble. Bytes: d, dmin,
 * scales[12], qs[128]; within each 64 values, the first 32 are the low nibbles of 32 bytes and the next 32 their
 * high nibbles.
 */
public final class Q4_KTensor extends StoredTensor {
    static final int BLOCK = 256, BYTES = 144;

    public Q4_KTensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q4_K";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int e = col % BLOCK, group = e / 64, high = (e % 64) / 32, l = e % 32;
        int q = data.get(I8, b + 16 + group * 32 + l) & 0xFF;
        q = high == 0 ? q & 15 : q >>> 4;
        int sub = 2 * group + high;
        return f16(data.get(I16, b)) * KQuants.scale(data, b + 4, sub) * q - f16(data.get(I16, b + 2)) * KQuants.min(data, b + 4, sub);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b)), dmin = f16(data.get(I16, b + 2));
            for (int group = 0; group < 4; group++) {
                float d1 = d * KQuants.scale(data, b + 4, 2 * group), m1 = dmin * KQuants.min(data, b + 4, 2 * group);
                float d2 = d * KQuants.scale(data, b + 4, 2 * group + 1), m2 = dmin * KQuants.min(data, b + 4, 2 * group + 1);
                int o = off + c + group * 64;
                for (int l = 0; l < 32; l++) {
                    int q = data.get(I8, b + 16 + group * 32 + l) & 0xFF;
                    dst[o + l] = d1 * (q & 15) - m1;
                    dst[o + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }
}
