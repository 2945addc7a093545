package superweight.model.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The 6-bit scales and minimums of Q4_K/Q5_K sub-blocks, packed into 12 bytes: sub-blocks 0..3 keep theirs in the
 * low 6 bits of bytes 0..3 (scales) and 4..7 (mins); sub-blocks 4..7 keep the low 4 bits in bytes 8..11 (scale in
 * the low nibble, min in the high one) and the top 2 bits in the spare top bits of bytes 0..3 (scales) and 4..7 (mins).
 */
final class KQuants {
    private KQuants() {
    }

    static int scale(MemorySegment data, long scales, int sub) {
        if (sub < 4) return byteAt(data, scales + sub) & 63;
        return (byteAt(data, scales + sub + 4) & 15) | ((byteAt(data, scales + sub - 4) >>> 6) << 4);
    }

    static int min(MemorySegment data, long scales, int sub) {
        if (sub < 4) return byteAt(data, scales + sub + 4) & 63;
        return (byteAt(data, scales + sub + 4) >>> 4) | ((byteAt(data, scales + sub) >>> 6) << 4);
    }

    private static int byteAt(MemorySegment data, long at) {
        return data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }
}
