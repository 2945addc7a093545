package superweight.quant;

import org.junit.jupiter.api.Test;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.Q4_0Tensor;
import superweight.model.tensor.Q4_1Tensor;
import superweight.model.tensor.Q4_KTensor;
import superweight.model.tensor.Q5_KTensor;
import superweight.model.tensor.Q6_KTensor;
import superweight.model.tensor.Q8_0Tensor;
import superweight.model.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ggml quantizers against llama.cpp's own reference quantizers. The expected bytes were produced by
 * {@code quantize_row_{q8_0,q4_0,q4_1,q4_K,q5_K,q6_K}_ref} from llama.cpp's ggml-quants.c (commit c392e5094 of
 * ggerganov/llama.cpp), compiled outside this repository into a small driver (gcc -O2 -mf16c -ffp-contract=off,
 * f16 tables filled with the F16C conversion) and fed the same float32 inputs, which both sides generate from the
 * integer recipe in {@link #input} (a 64-bit LCG; every value is an exact binary fraction, so no rounding
 * differs between the generators). Digests are SHA-256 of the whole output; the small tie case is given in full.
 */
class GgmlQuantizerTest {
    private static final Map<String, String> LLAMA_CPP_SHA256 = Map.ofEntries(
            Map.entry("lcg/8", "1ae162937cca66b1df5e8d7bbc3aad483fb07079715fe7fea86dfcebd458c36b"),
            Map.entry("lcg/2", "54a905ef15ec9348a59a85fc89fe48ad7b08f691993ad45608aa3a1d45cdf74d"),
            Map.entry("lcg/3", "ee8e9306edf8af1e9353222468c17defa522ab7b6abc2f486ce3b7ab35ae751e"),
            Map.entry("lcg/12", "3e75148d8d8823c15e0d336c000f4993d19c3995dbc8519fa7fd8bba403a8614"),
            Map.entry("lcg/13", "912ae0bc8056e53ffbd3470170ea5236bf5e5754516fcc9bb534a90e1890036c"),
            Map.entry("lcg/14", "0b067a408e0b4d0ffce1bbdbe776b9b7767281e7a674b5782324aad1e067f54b"),
            Map.entry("outliers/8", "f534b465fa06832ae59e56fc875bd35eebd9745cea2e32d202c0f77a09bdcba7"),
            Map.entry("outliers/2", "0ce6f973dcd8c008b8cc7ec69618c35736586748eaf0cf90831c14ad172766dc"),
            Map.entry("outliers/3", "e4599ab5fbd85562db0e729dd830774ad69cde679f0d53272d0a63085045e8f1"),
            Map.entry("outliers/12", "7f73baa2977b4e54d13f664c254bcc725b3c937a102821f1eb2a30a289796df3"),
            Map.entry("outliers/13", "2ad8c4aac1cf381eceeceab2f5c66f73c180b9df9922eb3b7dc7c70970c42488"),
            Map.entry("outliers/14", "7450728aa7ec22e59289a9d6be16ad5d0e39dae403b96d4b468ef7aa531664b3"),
            Map.entry("flat/8", "00237f8093049086174412e29e79070866a713666c04e5f7969bdb9f02a29b5a"),
            Map.entry("flat/2", "fd36c92ef623dea05f003debddd1085e572357520b059a65c585a0275e547988"),
            Map.entry("flat/3", "b223655f77fa1631a41ace6a67187c5a3d4e66b1ae93d8ebe249cf839017a596"),
            Map.entry("flat/12", "7ac28bc32d1754bda0be51a0430f21c658b74b34a8471a2dfa8041825b947fee"),
            Map.entry("flat/13", "04c473fcd4b620988d67b63bac77cf9bc690c6f8ec3109020b37bc1c44551d5e"),
            Map.entry("flat/14", "2fa7d1c9e16621d1c059ee695eddbcd165f5a2618ac700952da78e430e9f7fbd"),
            Map.entry("positive/8", "5f783c27de8efe2ba3d7f8310b0356fbb8db65566d544b1b3d2eb939e861e073"),
            Map.entry("positive/2", "6bbc963abd4dc77ba03ab9b6ed3d275800265146d23b0db56b920117b658f7b7"),
            Map.entry("positive/3", "267a0eb7d9ab6f9ff713023add01b8695d8cfa6597b43e78dfea3413e305222e"),
            Map.entry("positive/12", "3f9504f54038b3d63959c1313655732e96c1332de29e91a514afe6e247c6118b"),
            Map.entry("positive/13", "2bbe8024c5ec2a159084bdb0aac64f11bd618da95422a0b2b40cc71df98814d3"),
            Map.entry("positive/14", "7d0a0848abf324dcc9b61a0e6eca90040523573fbafa0395f4a7cd3bd01f774d"));

    /** Values v·2^(exp-23) with v = (LCG state >>> 40) - 2^23: exact floats in (-2^exp, 2^exp). */
    static float[] lcg(long seed, int n, int exp) {
        float[] x = new float[n];
        long s = seed;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            x[i] = (float) (((s >>> 40) - (1 << 23)) * Math.pow(2, exp - 23));
        }
        return x;
    }

    static float[] input(String name) {
        return switch (name) {
            case "lcg" -> lcg(1, 4096, -3);
            case "outliers" -> {
                float[] x = lcg(2, 4096, -3);
                for (int i = 0; i < x.length; i += 97) x[i] *= 64;
                yield x;
            }
            case "flat" -> {
                float[] x = new float[1024];
                Arrays.fill(x, 256, 512, 0.5f);
                System.arraycopy(lcg(3, 512, -3), 0, x, 512, 512);
                yield x;
            }
            case "positive" -> {
                float[] x = lcg(4, 2048, -3);
                for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]);
                yield x;
            }
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Test
    void blocksAreByteIdenticalToLlamaCpp() throws Exception {
        for (var e : LLAMA_CPP_SHA256.entrySet()) {
            String[] k = e.getKey().split("/");
            byte[] out = GgmlQuantizer.quantize(Integer.parseInt(k[1]), input(k[0]));
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out));
            assertThat(digest).as("%s as %s", k[0], GgmlType.name(Integer.parseInt(k[1]))).isEqualTo(e.getValue());
        }
    }

    /** Ties: Q8_0 with amax 127 has d = 1, so the codes are the values rounded, halves away from zero. */
    @Test
    void q8_0RoundsHalvesAwayFromZeroLikeRoundf() {
        float[] x = new float[32];
        float[] head = {127f, -2.5f, 2.5f, -0.5f, 0.5f, -126.5f, 1.5f, -1.5f};
        System.arraycopy(head, 0, x, 0, head.length);
        // bytes from llama.cpp's quantize_row_q8_0_ref (same driver): d = 0x3c00 (1.0), then 127 -3 3 -1 1 -127 2 -2 and zeros
        assertThat(HexFormat.of().formatHex(GgmlQuantizer.q8_0(x)))
                .isEqualTo("003c7ffd03ff018102fe" + "00".repeat(24));
        // and Q4_0 / Q4_1 of the same block, also from llama.cpp
        assertThat(HexFormat.of().formatHex(GgmlQuantizer.q4_0(x))).isEqualTo("f0cb80888888888f88888888888888888888");
        assertThat(HexFormat.of().formatHex(GgmlQuantizer.q4_1(x))).isEqualTo("3a4ce8d77f777877787078777777777777777777");
    }

    /** Dequantized through this project's decoders, each value is within the format's step of the input. */
    @Test
    void decodedValuesStayWithinTheQuantizationStep() {
        float[] x = input("outliers");
        int cols = 512, rows = x.length / cols;
        for (int type : new int[]{GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
            MemorySegment seg = MemorySegment.ofArray(GgmlQuantizer.quantize(type, x));
            Tensor t = switch (type) {
                case GgmlType.Q8_0 -> new Q8_0Tensor("t", rows, cols, seg);
                case GgmlType.Q4_0 -> new Q4_0Tensor("t", rows, cols, seg);
                case GgmlType.Q4_1 -> new Q4_1Tensor("t", rows, cols, seg);
                case GgmlType.Q4_K -> new Q4_KTensor("t", rows, cols, seg);
                case GgmlType.Q5_K -> new Q5_KTensor("t", rows, cols, seg);
                default -> new Q6_KTensor("t", rows, cols, seg);
            };
            int bs = GgmlType.blockSize(type);
            // The bound is one rounding step: range/levels of the 32-value block, times 1/2 (plain RTN) or 1 (Q4_0,
            // whose value of opposite sign to the extreme clips at code 15). K-quants round each sub-block's scale
            // to 6 bits of the super-block's largest one, so their resolution is that of the whole 256-value
            // super-block: one full step of its range. A wrong nibble or scale layout gives errors of a whole range.
            int levels = switch (type) { case GgmlType.Q8_0 -> 254; case GgmlType.Q4_0 -> 16; case GgmlType.Q4_1, GgmlType.Q4_K -> 15; case GgmlType.Q5_K -> 31; default -> 63; };
            float fraction = type == GgmlType.Q4_0 || bs == 256 ? 1.01f : 0.51f;
            for (int r = 0; r < rows; r++) {
                float[] row = t.row(r);
                for (int b = 0; b < cols; b += 32) {
                    float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
                    int from = b / bs * bs, to = Math.max(from + bs, b + 32);
                    for (int i = from; i < to; i++) {
                        lo = Math.min(lo, Math.min(0, x[r * cols + i]));
                        hi = Math.max(hi, Math.max(0, x[r * cols + i]));
                    }
                    boolean symmetric = type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || type == GgmlType.Q6_K;
                    float range = symmetric ? 2 * Math.max(-lo, hi) : hi - lo;
                    float step = range / levels;
                    for (int i = 0; i < 32; i++) {
                        assertThat(Math.abs(row[b + i] - x[r * cols + b + i])).as("%s row %d col %d", GgmlType.name(type), r, b + i)
                                .isLessThanOrEqualTo(step * fraction + 1e-3f * Math.abs(x[r * cols + b + i]));
                    }
                }
            }
        }
    }
}
