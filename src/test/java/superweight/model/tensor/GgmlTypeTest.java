package superweight.model.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.SuperweightException;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ggml type ids, names and block geometry against ggml itself: enum ggml_type in ggml.h and the block structs'
 * static_asserts in ggml-common.h (llama.cpp, 2026-12-02). gguf-py's GGML_QUANT_SIZES agrees except for Q8_1, where it
 * still lists 40 bytes (two floats) while ggml's block_q8_1 is 2 halves + 32 = 36. -1 = a geometry this reader
 * does not know (it then refuses the tensor by name).
 */
class GgmlTypeTest {
    @ParameterizedTest(name = "{1}")
    @CsvSource({
            "0, F32, 1, 4", "1, F16, 1, 2", "2, Q4_0, 32, 18", "3, Q4_1, 32, 20", "6, Q5_0, 32, 22", "7, Q5_1, 32, 24",
            "8, Q8_0, 32, 34", "9, Q8_1, 32, 36", "10, Q2_K, 256, 84", "11, Q3_K, 256, 110", "12, Q4_K, 256, 144",
            "13, Q5_K, 256, 176", "14, Q6_K, 256, 210", "15, Q8_K, 256, 292", "20, IQ4_NL, 32, -1", "24, I8, 1, 1", "25, I16, 1, 2",
            "26, I32, 1, 4", "27, I64, 1, 8", "28, F64, 1, 8", "30, BF16, 1, 2",
            "16, IQ2_XXS, 256, -1", "17, IQ2_XS, 256, -1", "18, IQ3_XXS, 256, -1", "19, IQ1_S, 256, -1", "21, IQ3_S, 256, -1",
            "22, IQ2_S, 256, -1", "23, IQ4_XS, 256, -1", "29, IQ1_M, 256, -1", "34, TQ1_0, 256, -1", "35, TQ2_0, 256, -1"})
    void namesAndGeometryAreGgmls(int id, String name, int blockSize, int blockBytes) {
        assertThat(GgmlType.name(id)).isEqualTo(name);
        assertThat(GgmlType.blockBytes(id)).isEqualTo(blockBytes);
        assertThat(GgmlType.blockSize(id)).isEqualTo(blockSize);
    }

    @Test
    void onlyTheComputedTypesAreSupported() {
        for (int t = 0; t < 40; t++) {
            boolean want = t == 0 || t == 1 || t == 2 || t == 3 || t == 8 || t == 12 || t == 13 || t == 14 || t == 30;
            assertThat(GgmlType.supported(t)).as(GgmlType.name(t)).isEqualTo(want);
        }
        assertThat(GgmlType.name(4)).isEqualTo("type 4");   // ids ggml retired (Q4_2, Q4_3)
        assertThat(GgmlType.SUPPORTED).isEqualTo("F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K");
    }

    @Test
    void byteSizes() {
        // integer and F64 tensors are one value per block (ggml's blck_size 1): a 100-value I32 tensor is 400 bytes
        assertThat(GgmlType.byteSize(26, 100, "t", Path.of("m.gguf"))).isEqualTo(400);
        Path f = Path.of("m.gguf");
        assertThat(GgmlType.byteSize(GgmlType.Q4_K, 512, "t", f)).isEqualTo(288);
        assertThat(GgmlType.byteSize(GgmlType.Q8_0, 64, "t", f)).isEqualTo(68);
        assertThat(GgmlType.byteSize(GgmlType.F16, 3, "t", f)).isEqualTo(6);
        assertThat(GgmlType.byteSize(GgmlType.Q4_0, 0, "t", f)).isZero();
        assertThatThrownBy(() -> GgmlType.byteSize(GgmlType.Q4_0, 48, "blk.0.w", f)).isInstanceOf(SuperweightException.class)
                .hasMessage("m.gguf: tensor blk.0.w has 48 elements, not a multiple of the Q4_0 block size 32");
        assertThatThrownBy(() -> GgmlType.byteSize(19, 256, "blk.0.w", f))
                .hasMessage("m.gguf: tensor blk.0.w has unsupported type IQ1_S (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
    }
}
