package superweight.model.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packed codes whose table is not the identity (the NF grids: code c stands for a level, not for c), decoded row by
 * row and element by element against table[code] / s + m computed here from the codes that were packed; and
 * {@link BlockCodesTensor#put} in any element order, overwriting codes already there.
 */
class BlockCodesTableTest {
    @Test
    void nonIdentityTablesDecodeThroughTheTable() {
        Random rnd = new Random(17);
        for (int bits : new int[]{4, 8}) {
            int rows = 7, cols = 45, block = 64, levels = 1 << bits;
            long numel = (long) rows * cols;
            int blocks = (int) ((numel + block - 1) / block);
            float[] table = new float[levels], scale = new float[blocks], min = new float[blocks];
            for (int c = 0; c < levels; c++) table[c] = (c - levels / 2f) * (c % 3 + 1) / levels;   // not sorted, not c
            for (int b = 0; b < blocks; b++) {
                scale[b] = 0.5f + rnd.nextFloat() * 4;
                min[b] = rnd.nextFloat() - 0.5f;
            }
            int[] code = new int[(int) numel];
            byte[] packed = new byte[(int) BlockCodesTensor.codeBytes(numel, bits)];
            for (int e = 0; e < numel; e++) {
                code[e] = rnd.nextInt(levels);
                BlockCodesTensor.put(packed, bits, e, code[e]);
            }
            BlockCodesTensor t = new BlockCodesTensor("nf", rows, cols, bits, block, table, scale, min, packed);
            float[] row = new float[cols + 3];
            for (int r = 0; r < rows; r++) {
                t.readRow(r, row, 3);
                for (int c = 0; c < cols; c++) {
                    int e = r * cols + c;
                    float want = table[code[e]] / scale[e / block] + min[e / block];
                    assertThat(row[3 + c]).as("%d bits, row %d col %d", bits, r, c).isEqualTo(want);
                    assertThat(t.get(r, c)).isEqualTo(want);
                }
            }
        }
    }

    @Test
    void putInAnyOrderAndOverwriting() {
        byte[] four = new byte[2];
        BlockCodesTensor.put(four, 4, 1, 0xA);   // high nibble of byte 0 first
        BlockCodesTensor.put(four, 4, 0, 0x3);
        BlockCodesTensor.put(four, 4, 3, 0xF);
        BlockCodesTensor.put(four, 4, 2, 0x1);
        assertThat(four).containsExactly((byte) 0xA3, (byte) 0xF1);
        BlockCodesTensor.put(four, 4, 0, 0xC);   // overwrite one nibble, keep the other
        BlockCodesTensor.put(four, 4, 3, 0x2);
        assertThat(four).containsExactly((byte) 0xAC, (byte) 0x21);
        byte[] eight = new byte[2];
        BlockCodesTensor.put(eight, 8, 1, 200);
        BlockCodesTensor.put(eight, 8, 0, 7);
        assertThat(eight).containsExactly((byte) 7, (byte) 200);
        assertThat(BlockCodesTensor.codeBytes(5, 4)).isEqualTo(3);
        assertThat(BlockCodesTensor.codeBytes(5, 8)).isEqualTo(5);
    }
}
