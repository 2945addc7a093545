package superweight.model.tensor;

import superweight.SuperweightException;

import java.nio.file.Path;

/** ggml tensor type ids, their names and storage geometry (elements per block, bytes per block). */
public final class GgmlType {
    public static final int F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30;

    /** The storage types this reader computes on, for messages. */
    public static final String SUPPORTED = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K";

    private GgmlType() {
    }

    public static String name(int type) {
        return switch (type) {
            case 0 -> "F32";
            case 1 -> "F16";
            case 2 -> "Q4_0";
            case 3 -> "Q4_1";
            case 6 -> "Q5_0";
            case 7 -> "Q5_1";
            case 8 -> "Q8_0";
            case 9 -> "Q8_1";
            case 10 -> "Q2_K";
            case 11 -> "Q3_K";
            case 12 -> "Q4_K";
            case 13 -> "Q5_K";
            case 14 -> "Q6_K";
            case 15 -> "Q8_K";
            case 16 -> "IQ2_XXS";
            case 17 -> "IQ2_XS";
            case 18 -> "IQ3_XXS";
            case 19 -> "IQ1_S";
            case 20 -> "IQ4_NL";
            case 21 -> "IQ3_S";
            case 22 -> "IQ2_S";
            case 23 -> "IQ4_XS";
            case 24 -> "I8";
            case 25 -> "I16";
            case 26 -> "I32";
            case 27 -> "I64";
            case 28 -> "F64";
            case 29 -> "IQ1_M";
            case 30 -> "BF16";
            case 34 -> "TQ1_0";
            case 35 -> "TQ2_0";
            default -> "type " + type;
        };
    }

    public static boolean supported(int type) {
        return type == F32 || type == F16 || type == BF16 || type == Q8_0 || type == Q4_0 || type == Q4_1
                || type == Q4_K || type == Q5_K || type == Q6_K;
    }

    /** Elements per quantization block (1 for plain float types). */
    public static int blockSize(int type) {
        return switch (type) {
            case F32, F16, BF16, 24, 25, 26, 27, 28 -> 1; // and I8, I16, I32, I64, F64: one value per block
            case Q4_0, Q4_1, Q8_0, 6, 7, 9, 20 -> 32;
            default -> 256; // K-quants and most IQ types
        };
    }

    /** Bytes per block, or -1 when the geometry is unknown. */
    public static int blockBytes(int type) {
        return switch (type) {
            case F32 -> 4;
            case F16, BF16 -> 2;
            case Q4_0 -> 18;
            case Q4_1 -> 20;
            case 6 -> 22;
            case 7 -> 24;
            case Q8_0 -> 34;
            case 9 -> 36;
            case 10 -> 84;
            case 11 -> 110;
            case 12 -> 144;
            case 13 -> 176;
            case 14 -> 210;
            case 15 -> 292;
            case 24 -> 1;
            case 25 -> 2;
            case 26 -> 4;
            case 27, 28 -> 8;
            default -> -1;
        };
    }

    /** Byte size of a tensor; refuses types whose size this reader cannot compute. */
    public static long byteSize(int type, long elements, String tensor, Path file) {
        int bb = blockBytes(type);
        int bs = blockSize(type);
        if (bb < 0) {
            throw new SuperweightException(file + ": tensor " + tensor + " has unsupported type " + name(type)
                    + " (supported: " + SUPPORTED + ")");
        }
        if (elements % bs != 0) {
            throw new SuperweightException(file + ": tensor " + tensor + " has " + elements
                    + " elements, not a multiple of the " + name(type) + " block size " + bs);
        }
        return elements / bs * bb;
    }
}
