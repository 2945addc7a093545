package superweight.model.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Large-block round-to-nearest codes packed in memory: 8-bit codes one per byte or 4-bit codes two per byte (element
 * 2i in the low nibble, 2i+1 in the high one), consecutive blocks of {@code blockLength} elements of the row-major
 * flattened tensor (crossing rows; the last block may be shorter), and per block a scale s and minimum m:
 * value = table[code] / s + m. The table maps codes to grid positions (0..2^N-1 for INT, level + 1 for NF). Rows
 * are decoded one at a time into the caller's buffer, never the whole tensor.
 */
public final class BlockCodesTensor extends Tensor {
    private static final VectorSpecies<Float> F = VectorMath.BLOCK_FLOATS;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Byte> B = VectorMath.BLOCK_BYTES;
    private static final int LANES = F.length();
    /** Elements per 4-bit step: the 16 nibbles of 8 bytes. */
    private static final int NIBBLE_STEP = 16;

    private final int bits;
    /** table[c] == c for every code (the INT grids): the code converted to float is the table entry, no gather. */
    private final boolean identityTable;
    private final long blockLength;
    private final float[] table;
    private final float[] scale;
    private final float[] min;
    private final byte[] codes;

    public BlockCodesTensor(String name, long rows, int cols, int bits, long blockLength, float[] table, float[] scale,
                            float[] min, byte[] codes) {
        super(name, rows, cols);
        long numel = rows * cols;
        if (bits != 4 && bits != 8) throw new IllegalArgumentException(name + ": packed codes are 4 or 8 bits, not " + bits);
        if (table.length != 1 << bits) throw new IllegalArgumentException(name + ": a " + bits + "-bit table needs " + (1 << bits) + " entries");
        long blocks = (numel + blockLength - 1) / blockLength;
        if (scale.length != blocks || min.length != blocks) throw new IllegalArgumentException(name + ": " + blocks + " blocks need as many scales and minima");
        if (codes.length != (bits == 8 ? numel : (numel + 1) / 2)) throw new IllegalArgumentException(name + ": wrong number of code bytes");
        this.bits = bits;
        this.blockLength = blockLength;
        this.table = table.clone();
        boolean identity = true;
        for (int c = 0; c < table.length; c++) identity &= table[c] == c;
        this.identityTable = identity;
        this.scale = scale;
        this.min = min;
        this.codes = codes;
    }

    /** Bytes needed for n elements of {@code bits}-bit codes. */
    public static long codeBytes(long n, int bits) {
        return bits == 8 ? n : (n + 1) / 2;
    }

    /** Packs code c of element e into codes (4 or 8 bits). */
    public static void put(byte[] codes, int bits, long e, int c) {
        if (bits == 8) {
            codes[(int) e] = (byte) c;
        } else {
            int i = (int) (e >>> 1);
            codes[i] = (byte) ((e & 1) == 0 ? (codes[i] & 0xF0) | c : (codes[i] & 0x0F) | (c << 4));
        }
    }

    @Override
    public String dtype() {
        return "RTN" + bits + "_B" + blockLength;
    }

    /** Memory held by the packed form: codes plus a float scale and minimum per block. */
    public long bytes() {
        return codes.length + 8L * scale.length;
    }

    public int bits() {
        return bits;
    }

    public long blockLength() {
        return blockLength;
    }

    private int code(long e) {
        if (bits == 8) return codes[(int) e] & 0xFF;
        int b = codes[(int) (e >>> 1)];
        return (e & 1) == 0 ? b & 0xF : (b >>> 4) & 0xF;
    }

    @Override
    public float get(long row, int col) {
        long e = row * cols + col;
        int b = (int) (e / blockLength);
        return table[code(e)] / scale[b] + min[b];
    }

    /**
     * Decodes the row segment by segment, one block's scale and minimum at a time, a vector of codes per step
     * (the arithmetic of {@link #get}: table entry / s + m in every lane); an odd start of 4-bit codes and the
     * tails of a segment go one element at a time. One method with no helper calls taking or returning vectors, so
     * that every vector operation is inlined (see Q8_0Tensor#dot).
     */
    @Override
    public void readRow(long row, float[] dst, int off) {
        long e = row * cols, end = e + cols;
        int o = off;
        int[] index = identityTable ? null : new int[LANES];
        while (e < end) {
            int b = (int) (e / blockLength);
            long segmentEnd = Math.min(end, (b + 1) * blockLength);
            float s = scale[b], m = min[b];
            if (bits == 8) {
                for (; e + LANES <= segmentEnd; e += LANES, o += LANES) {
                    IntVector c = (IntVector) ByteVector.fromArray(B, codes, (int) e).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    FloatVector t;
                    if (index == null) {
                        t = (FloatVector) c.convert(VectorOperators.I2F, 0);
                    } else {
                        c.intoArray(index, 0);
                        t = FloatVector.fromArray(F, table, 0, index, 0);
                    }
                    t.div(s).add(m).intoArray(dst, o);
                }
            } else {
                if ((e & 1) == 1) dst[o++] = table[code(e++)] / s + m;
                for (; e + NIBBLE_STEP <= segmentEnd; e += NIBBLE_STEP, o += NIBBLE_STEP) {
                    // 8 bytes -> 16 codes in element order: each byte widened to a short (low nibble | high nibble << 8).
                    ShortVector pairs = (ShortVector) ByteVector.fromArray(ByteVector.SPECIES_64, codes, (int) (e >>> 1))
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, ShortVector.SPECIES_128, 0);
                    ByteVector q = pairs.and((short) 0x0F).or(pairs.and((short) 0xF0).lanewise(VectorOperators.LSHL, 4)).reinterpretAsBytes();
                    for (int part = 0; part < NIBBLE_STEP / LANES; part++) {
                        IntVector c = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                        FloatVector t;
                        if (index == null) {
                            t = (FloatVector) c.convert(VectorOperators.I2F, 0);
                        } else {
                            c.intoArray(index, 0);
                            t = FloatVector.fromArray(F, table, 0, index, 0);
                        }
                        t.div(s).add(m).intoArray(dst, o + part * LANES);
                    }
                }
            }
            for (; e < segmentEnd; e++) dst[o++] = table[code(e)] / s + m;
        }
    }
}
