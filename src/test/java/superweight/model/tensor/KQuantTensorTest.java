package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K-quant super-blocks built here from chosen 4/5/6-bit values and sub-block scales (the encoders below follow the
 * ggml block layout as documented, independently of the decoders), then decoded by the tensor classes: every value
 * must be exactly d*scale*q - dmin*min (Q4_K, Q5_K) or d*scale*(q - 32) (Q6_K). Two rows of two blocks each.
 */
class KQuantTensorTest {
    static final int ROWS = 2, COLS = 512;

    private static ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Packs 8 six-bit scales and mins as ggml's get_scale_min_k4 reads them. */
    private static byte[] packScales(int[] sc, int[] mn) {
        byte[] b = new byte[12];
        for (int j = 0; j < 4; j++) {
            b[j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
            b[j + 4] = (byte) ((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
            b[j + 8] = (byte) ((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
        }
        return b;
    }

    private static void check(Tensor t, float[] expected) {
        for (int r = 0; r < ROWS; r++) {
            float[] row = t.row(r);
            for (int c = 0; c < COLS; c++) {
                assertThat(row[c]).as("row %d col %d", r, c).isEqualTo(expected[r * COLS + c]);
                assertThat(t.get(r, c)).isEqualTo(expected[r * COLS + c]);
            }
        }
        float[] x = new float[COLS];
        java.util.Arrays.fill(x, 1f);
        double sum = 0;
        for (int c = 0; c < COLS; c++) sum += expected[COLS + c];
        assertThat((double) t.dot(1, x, 0)).isCloseTo(sum, org.assertj.core.api.Assertions.within(1e-2 * Math.max(1, Math.abs(sum))));
    }

    @Test
    void q4_kAndQ5_k() {
        for (boolean five : new boolean[]{false, true}) {
            Random rnd = new Random(five ? 5 : 4);
            int bytes = five ? 176 : 144;
            ByteBuffer b = buf(ROWS * COLS / 256 * bytes);
            float[] expected = new float[ROWS * COLS];
            for (int blk = 0; blk < ROWS * COLS / 256; blk++) {
                float d = 0.5f + blk, dmin = 0.25f * (blk + 1);
                int[] sc = new int[8], mn = new int[8];
                for (int s = 0; s < 8; s++) {
                    sc[s] = rnd.nextInt(64);
                    mn[s] = rnd.nextInt(64);
                }
                int[] q = new int[256];
                for (int e = 0; e < 256; e++) q[e] = rnd.nextInt(five ? 32 : 16);
                b.putShort(Float.floatToFloat16(d)).putShort(Float.floatToFloat16(dmin)).put(packScales(sc, mn));
                if (five) {
                    byte[] qh = new byte[32];
                    for (int e = 0; e < 256; e++) {
                        int group = e / 64, half = (e % 64) / 32, l = e % 32;
                        if ((q[e] & 16) != 0) qh[l] |= (byte) (1 << (2 * group + half));
                    }
                    b.put(qh);
                }
                for (int group = 0; group < 4; group++) {
                    for (int l = 0; l < 32; l++) b.put((byte) ((q[group * 64 + l] & 15) | ((q[group * 64 + 32 + l] & 15) << 4)));
                }
                for (int e = 0; e < 256; e++) {
                    int sub = e / 32;
                    expected[blk * 256 + e] = d * sc[sub] * q[e] - dmin * mn[sub];
                }
            }
            MemorySegment seg = MemorySegment.ofArray(b.array());
            check(five ? new Q5_KTensor("q5", ROWS, COLS, seg) : new Q4_KTensor("q4", ROWS, COLS, seg), expected);
        }
    }

    @Test
    void q6_k() {
        Random rnd = new Random(6);
        ByteBuffer b = buf(ROWS * COLS / 256 * 210);
        float[] expected = new float[ROWS * COLS];
        for (int blk = 0; blk < ROWS * COLS / 256; blk++) {
            float d = 0.125f * (blk + 1);
            int[] q = new int[256];
            byte[] sc = new byte[16];
            for (int e = 0; e < 256; e++) q[e] = rnd.nextInt(64);
            for (int s = 0; s < 16; s++) sc[s] = (byte) (rnd.nextInt(256) - 128);
            byte[] ql = new byte[128], qh = new byte[64];
            for (int e = 0; e < 256; e++) {
                int half = e / 128, quarter = (e % 128) / 32, l = e % 32;
                int lowIndex = half * 64 + l + 32 * (quarter & 1);
                ql[lowIndex] |= (byte) (quarter < 2 ? q[e] & 15 : (q[e] & 15) << 4);
                qh[half * 32 + l] |= (byte) ((q[e] >> 4) << (2 * quarter));
                int scale = sc[half * 8 + l / 16 + 2 * quarter];
                expected[blk * 256 + e] = d * scale * (q[e] - 32);
            }
            b.put(ql).put(qh).put(sc).putShort(Float.floatToFloat16(d));
        }
        check(new Q6_KTensor("q6", ROWS, COLS, MemorySegment.ofArray(b.array())), expected);
    }
}
