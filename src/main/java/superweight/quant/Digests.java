package superweight.quant;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SortedMap;

/** Short content digests of calibrated tables, so a scheme's key names the exact numbers it used. */
final class Digests {
    private Digests() {
    }

    static String ofFloats(SortedMap<Long, Float> values) {
        MessageDigest sha = sha256();
        values.forEach((k, v) -> sha.update(ByteBuffer.allocate(12).putLong(k).putFloat(v).array()));
        return hex(sha);
    }

    static String ofArrays(SortedMap<Long, float[]> values) {
        MessageDigest sha = sha256();
        values.forEach((k, v) -> {
            ByteBuffer b = ByteBuffer.allocate(8 + 4 * v.length).putLong(k);
            for (float f : v) b.putFloat(f);
            sha.update(b.array());
        });
        return hex(sha);
    }

    private static String hex(MessageDigest sha) {
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
