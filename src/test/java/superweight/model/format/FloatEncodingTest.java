package superweight.model.format;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * float32 -> bfloat16 rounding to nearest, ties to even, on bit patterns chosen by hand (the dropped 16 bits
 * exactly half, just above half, below half; odd and even kept parts), NaN kept quiet; and the little-endian bytes
 * of each encoding.
 */
class FloatEncodingTest {
    private static short bf16Bits(int f32Bits) {
        return FloatEncoding.bf16(Float.intBitsToFloat(f32Bits));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(bf16Bits(0x3F800000)).isEqualTo((short) 0x3F80);   // 1.0 exactly
        assertThat(bf16Bits(0x3F808000)).isEqualTo((short) 0x3F80);   // tie, kept part even: down
        assertThat(bf16Bits(0x3F818000)).isEqualTo((short) 0x3F82);   // tie, kept part odd: up
        assertThat(bf16Bits(0x3F808001)).isEqualTo((short) 0x3F81);   // above half: up
        assertThat(bf16Bits(0x3F817FFF)).isEqualTo((short) 0x3F81);   // below half: down
        assertThat(bf16Bits(0xBF818000)).isEqualTo((short) 0xBF82);   // the sign does not matter
        assertThat(bf16Bits(0x80000000)).isEqualTo((short) 0x8000);   // -0
        assertThat(bf16Bits(0x7F7FFFFF)).isEqualTo((short) 0x7F80);   // FLT_MAX rounds to infinity
        assertThat(bf16Bits(0x7F800000)).isEqualTo((short) 0x7F80);   // infinity stays infinity
    }

    @Test
    void nanStaysAQuietNan() {
        // a signalling NaN whose payload is all in the dropped bits would round to infinity without the quiet bit
        assertThat(bf16Bits(0x7F800001)).isEqualTo((short) 0x7FC0);
        assertThat(bf16Bits(0xFFC00000)).isEqualTo((short) 0xFFC0);
        assertThat(bf16Bits(0x7FFFFFFF)).isEqualTo((short) 0x7FFF);
    }

    @Test
    void encodesLittleEndianAtTheOffset() {
        float[] x = {1f, -2f, 0.5f};
        byte[] f32 = new byte[14];
        FloatEncoding.encode("F32", x, 3, f32, 1);
        // 1.0 = 0x3F800000, -2.0 = 0xC0000000, 0.5 = 0x3F000000
        assertThat(f32).containsExactly(0, 0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0, 0, 0, 0, 0x3F, 0);
        byte[] f16 = new byte[6];
        FloatEncoding.encode("F16", x, 2, f16, 2);   // 1.0 = 0x3C00, -2.0 = 0xC000; only n = 2 values
        assertThat(f16).containsExactly(0, 0, 0, 0x3C, 0, (byte) 0xC0);
        byte[] bf = new byte[6];
        FloatEncoding.encode("BF16", x, 3, bf, 0);   // 0x3F80, 0xC000, 0x3F00
        assertThat(bf).containsExactly((byte) 0x80, 0x3F, 0, (byte) 0xC0, 0, 0x3F);
        // every byte of the word distinct: 0x01020304 is written 04 03 02 01
        byte[] word = new byte[4];
        FloatEncoding.encode("F32", new float[]{Float.intBitsToFloat(0x01020304)}, 1, word, 0);
        assertThat(word).containsExactly(4, 3, 2, 1);
        assertThatThrownBy(() -> FloatEncoding.encode("F64", x, 1, bf, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a float dtype: F64");
    }

    @Test
    void widths() {
        assertThat(FloatEncoding.width("F32")).isEqualTo(4);
        assertThat(FloatEncoding.width("F16")).isEqualTo(2);
        assertThat(FloatEncoding.width("BF16")).isEqualTo(2);
        assertThatThrownBy(() -> FloatEncoding.width("I8")).hasMessage("not a float dtype: I8");
    }
}
