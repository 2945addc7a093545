package superweight.model.format;

import org.junit.jupiter.api.Test;
import superweight.SuperweightException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The protobuf cursor on bytes encoded by hand from the protobuf encoding guide (protobuf.dev, "Encoding"): its
 * examples 150 = {@code 08 96 01} and "testing" = {@code 12 07 74 65 73 74 69 6e 67}, plus the other wire types.
 */
class ProtobufTest {
    private static final Path FILE = Path.of("m.onnx");

    private static Protobuf cursor(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return new Protobuf(FILE, MemorySegment.ofArray(b), 0, b.length);
    }

    @Test
    void readsEveryWireTypeOfAMessage() {
        Protobuf p = cursor(
                0x08, 0x96, 0x01,                                           // field 1, varint 150
                0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',              // field 2, "testing"
                0x1D, 0x00, 0x00, 0xC0, 0x3F,                               // field 3, fixed32 1.5f
                0x21, 1, 2, 3, 4, 5, 6, 7, 8,                               // field 4, fixed64 (skipped)
                0x2A, 0x03, 0x08, 0xAC, 0x02,                               // field 5, a message holding field 1 = 300
                0x30, 0x05);                                                // field 6, varint 5 (skipped)
        assertThat(p.next()).isTrue();
        assertThat(p.field()).isEqualTo(1);
        assertThat(p.wireType()).isEqualTo(Protobuf.VARINT);
        assertThat(p.varint()).isEqualTo(150);
        assertThat(p.next()).isTrue();
        assertThat(p.field()).isEqualTo(2);
        assertThat(p.string(100)).isEqualTo("testing");
        assertThat(p.next()).isTrue();
        assertThat(p.fixed32Float()).isEqualTo(1.5f);
        assertThat(p.next()).isTrue();
        assertThat(p.wireType()).isEqualTo(Protobuf.FIXED64);
        p.skip();
        assertThat(p.position()).isEqualTo(26);
        assertThat(p.next()).isTrue();
        Protobuf inner = p.message();
        assertThat(p.position()).isEqualTo(31);
        assertThat(inner.next()).isTrue();
        assertThat(inner.varint()).isEqualTo(300);
        assertThat(inner.next()).isFalse();
        assertThat(inner.endOffset()).isEqualTo(31);
        assertThat(p.next()).isTrue();
        p.skip();
        assertThat(p.next()).isFalse();
    }

    @Test
    void skipsLengthDelimitedAndFixed32Values() {
        Protobuf p = cursor(0x12, 0x02, 'h', 'i', 0x1D, 0, 0, 0, 0, 0x08, 0x07);
        p.next();
        p.skip();
        p.next();
        p.skip();
        p.next();
        assertThat(p.field()).isEqualTo(1);
        assertThat(p.varint()).isEqualTo(7);
    }

    @Test
    void tenByteVarintsAreTheLimit() {
        assertThat(cursor(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01).varint()).isEqualTo(-1L);   // 2^64 - 1
        assertThatThrownBy(() -> cursor(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01).varint())
                .isInstanceOf(SuperweightException.class).hasMessage("m.onnx: invalid ONNX protobuf at byte 10: varint longer than 10 bytes");
        assertThatThrownBy(() -> cursor(0x96).varint()).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: truncated varint");
    }

    @Test
    void malformedFieldsAreOneLineErrors() {
        assertThatThrownBy(() -> cursor(0x00).next()).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: invalid field number 0");
        Protobuf longer = cursor(0x12, 0x05, 'a', 'b');
        longer.next();
        assertThatThrownBy(longer::bytesRange).hasMessage("m.onnx: invalid ONNX protobuf at byte 2: field 2 claims 5 bytes but only 2 remain");
        Protobuf exact = cursor(0x12, 0x02, 'a', 'b');
        exact.next();
        assertThat(exact.bytesRange()).containsExactly(2, 4);
        Protobuf wrongType = cursor(0x08, 0x01);
        wrongType.next();
        assertThatThrownBy(wrongType::fixed32Float).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: field 1 has wire type 0, expected 5");
        Protobuf group = cursor(0x0B);
        group.next();
        assertThatThrownBy(group::skip).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: unsupported wire type 3 in field 1");
        Protobuf shortFloat = cursor(0x1D, 0, 0, 0);
        shortFloat.next();
        assertThatThrownBy(shortFloat::fixed32Float).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: truncated 32-bit value");
        Protobuf shortFixed64 = cursor(0x21, 1, 2, 3, 4, 5, 6, 7);
        shortFixed64.next();
        assertThatThrownBy(shortFixed64::skip).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: truncated field 4");
        Protobuf bigString = cursor(0x12, 0x03, 'a', 'b', 'c');
        bigString.next();
        assertThatThrownBy(() -> bigString.string(2)).hasMessage("m.onnx: invalid ONNX protobuf at byte 5: string of 3 bytes in field 2 (limit 2)");
        Protobuf okString = cursor(0x12, 0x02, 'a', 'b');
        okString.next();
        assertThat(okString.string(2)).isEqualTo("ab");
    }

    @Test
    void lengthDelimitedReadsCheckTheWireType() {
        Protobuf varintField = cursor(0x08, 0x02, 'a', 'b');
        varintField.next();
        assertThatThrownBy(() -> varintField.string(10)).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: field 1 has wire type 0, expected 2");
    }

    /** Fixed-width values that end exactly at the end of the message are skipped, one byte short they are not. */
    @Test
    void fixedWidthValuesEndingTheMessage() {
        Protobuf fixed64 = cursor(0x09, 1, 2, 3, 4, 5, 6, 7, 8);
        fixed64.next();
        fixed64.skip();
        assertThat(fixed64.next()).isFalse();
        Protobuf fixed32 = cursor(0x0D, 1, 2, 3, 4);
        fixed32.next();
        fixed32.skip();
        assertThat(fixed32.next()).isFalse();
        Protobuf short32 = cursor(0x0D, 1, 2, 3);
        short32.next();
        assertThatThrownBy(short32::skip).hasMessage("m.onnx: invalid ONNX protobuf at byte 1: truncated field 1");
    }

    /** A field number above 2^31 - 1 whose low 32 bits look valid, and a length whose varint is negative as a long. */
    @Test
    void fieldNumbersAndLengthsOutOfRange() {
        // tag = (2^32 + 1) << 3 | 0 = 2^35 + 8: as a varint 88 80 80 80 80 01
        assertThatThrownBy(() -> cursor(0x88, 0x80, 0x80, 0x80, 0x80, 0x01).next()).hasMessage("m.onnx: invalid ONNX protobuf at byte 6: invalid field number 4294967297");
        // the largest field number an int holds is read (protobuf's own limit, 2^29 - 1, is not enforced): F8 FF FF FF 3F
        Protobuf widest = cursor(0xF8, 0xFF, 0xFF, 0xFF, 0x3F, 0x00);
        assertThat(widest.next()).isTrue();
        assertThat(widest.field()).isEqualTo(Integer.MAX_VALUE);
        Protobuf negative = cursor(0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 'a');
        negative.next();
        assertThatThrownBy(negative::bytesRange).hasMessage("m.onnx: invalid ONNX protobuf at byte 11: field 2 claims -1 bytes but only 1 remain");
    }
}
