package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Hand-built packed blocks: nibble order, blocks crossing rows, a short last block; matmul against a double reference. */
class BlockCodesTensorTest {
    @Test
    void decodesHandBuiltNibblesAcrossRowsAndBlocks() {
        // 2 x 3, blocks of 4: block 0 = elements 0..3 (s = 2, m = -1), block 1 = elements 4..5 (s = 0.5, m = 10)
        // codes 1, 2, 3, 15, 0, 7 -> values 1/2-1, 2/2-1, 3/2-1, 15/2-1, 0/0.5+10, 7/0.5+10
        float[] table = new float[16];
        for (int c = 0; c < 16; c++) table[c] = c;
        byte[] codes = {(byte) (1 | 2 << 4), (byte) (3 | 15 << 4), (byte) (0 | 7 << 4)};
        BlockCodesTensor t = new BlockCodesTensor("t", 2, 3, 4, 4, table, new float[]{2, 0.5f}, new float[]{-1, 10}, codes);
        assertThat(t.row(0)).containsExactly(-0.5f, 0f, 0.5f);
        assertThat(t.row(1)).containsExactly(6.5f, 10f, 24f);
        assertThat(t.get(1, 0)).isEqualTo(6.5f);
        assertThat(t.bytes()).isEqualTo(3 + 16);
        byte[] again = new byte[3];
        int[] c = {1, 2, 3, 15, 0, 7};
        for (int e = 0; e < 6; e++) BlockCodesTensor.put(again, 4, e, c[e]);
        assertThat(again).containsExactly(codes);
    }

    @Test
    void matmulMatchesADoubleReferenceOnOddSizes() {
        Random rnd = new Random(5);
        for (int bits : new int[]{4, 8}) {
            int rows = 13, cols = 37, n = 7, block = 50;
            long numel = (long) rows * cols;
            int blocks = (int) ((numel + block - 1) / block);
            float[] table = new float[1 << bits], scale = new float[blocks], min = new float[blocks];
            for (int i = 0; i < table.length; i++) table[i] = i;
            for (int b = 0; b < blocks; b++) {
                scale[b] = 1 + rnd.nextFloat() * 10;
                min[b] = rnd.nextFloat() - 0.5f;
            }
            byte[] codes = new byte[(int) BlockCodesTensor.codeBytes(numel, bits)];
            for (long e = 0; e < numel; e++) BlockCodesTensor.put(codes, bits, e, rnd.nextInt(1 << bits));
            BlockCodesTensor t = new BlockCodesTensor("t", rows, cols, bits, block, table, scale, min, codes);
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[n * rows];
            t.matmul(x, n, out);
            for (int p = 0; p < n; p++) {
                for (int r = 0; r < rows; r++) {
                    double ref = 0;
                    for (int c = 0; c < cols; c++) ref += (double) t.get(r, c) * x[p * cols + c];
                    assertThat((double) out[p * rows + r]).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(ref))));
                }
            }
        }
    }
}
