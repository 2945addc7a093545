package superweight.model.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml Q6_K: super-blocks of 256 six-bit values with 16 int8 scales (one per 16 values) and an f16 d:
 * value = d * scale * (q - 32). Bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16], d. Each half of
 * 128 values uses 64 ql bytes and 32 qh bytes: quarter k (0..3) of the half takes ql[l + 32*(k&1)] (low nibble for
 * k < 2, high nibble otherwise) and bits 2k..2k+1 of qh[l], l = 0..31.
 */
public final class Q6_KTensor extends StoredTensor {
    static final int BLOCK = 256, BYTES = 210;

    public Q6_KTensor(String name, long rows, int cols, MemorySegment data) {
        super(name, rows, cols, data);
    }

    @Override
    public String dtype() {
        return "Q6_K";
    }

    @Override
    public float get(long row, int col) {
        long b = (row * (cols / BLOCK) + col / BLOCK) * BYTES;
        int e = col % BLOCK, half = e / 128, quarter = (e % 128) / 32, l = e % 32;
        int lo = data.get(I8, b + half * 64 + l + 32 * (quarter & 1)) & 0xFF;
        lo = quarter < 2 ? lo & 15 : lo >>> 4;
        int hi = (data.get(I8, b + 128 + half * 32 + l) >>> (2 * quarter)) & 3;
        int scale = data.get(I8, b + 192 + half * 8 + l / 16 + 2 * quarter);
        return f16(data.get(I16, b + 208)) * scale * ((lo | (hi << 4)) - 32);
    }

    @Override
    public void readRow(long row, float[] dst, int off) {
        long b = row * (cols / BLOCK) * BYTES;
        for (int c = 0; c < cols; c += BLOCK, b += BYTES) {
            float d = f16(data.get(I16, b + 208));
            for (int half = 0; half < 2; half++) {
                long ql = b + half * 64, qh = b + 128 + half * 32, sc = b + 192 + half * 8;
                int o = off + c + half * 128;
                for (int l = 0; l < 32; l++) {
                    int a = data.get(I8, ql + l) & 0xFF, a2 = data.get(I8, ql + l + 32) & 0xFF, h = data.get(I8, qh + l) & 0xFF;
                    int is = l / 16;
                    dst[o + l] = d * data.get(I8, sc + is) * (((a & 15) | ((h & 3) << 4)) - 32);
                    dst[o + l + 32] = d * data.get(I8, sc + is + 2) * (((a2 & 15) | (((h >>> 2) & 3) << 4)) - 32);
                    dst[o + l + 64] = d * data.get(I8, sc + is + 4) * (((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
                    dst[o + l + 96] = d * data.get(I8, sc + is + 6) * (((a2 >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
                }
            }
        }
    }
}
