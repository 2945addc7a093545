package superweight.eval;

import java.math.BigInteger;

/**
 * CPython's {@code random.Random} (MT19937) for the calls GPTQ's C4 sampling makes: {@code seed(int)},
 * {@code getrandbits(k)} and {@code randint(a, b)}, bit for bit. The draws decide which documents and offsets the
 * {@code c4} evaluation windows come from, so nothing but the exact generator reproduces GPTQ's windows.
 */
final class PythonRandom {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int index;

    /** {@code random.seed(seed)} for an int seed: its absolute value, as 32-bit words little end first, through init_by_array. */
    PythonRandom(long seed) {
        BigInteger n = BigInteger.valueOf(seed).abs();
        int words = Math.max(1, (n.bitLength() + 31) / 32);
        int[] key = new int[words];
        for (int i = 0; i < words; i++) key[i] = n.shiftRight(32 * i).intValue();
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        index = N;
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
    }

    /** The next 32-bit output (genrand_uint32), as an unsigned value. */
    long nextUint32() {
        if (index >= N) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return Integer.toUnsignedLong(y);
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
            mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        index = 0;
    }

    /** {@code getrandbits(k)} for 0 < k <= 62: 32-bit words, least significant first, the last one cut from the top. */
    long getrandbits(int k) {
        if (k <= 0 || k > 62) throw new IllegalArgumentException("getrandbits(" + k + ") is supported for 1..62 bits");
        if (k <= 32) return nextUint32() >>> (32 - k);
        long low = nextUint32();
        long high = nextUint32() >>> (64 - k);
        return low | (high << 32);
    }

    /** {@code randint(a, b)} = {@code randrange(a, b + 1)} = a + _randbelow(n) by rejection on getrandbits(n.bit_length()). */
    long randint(long a, long b) {
        long n = b - a + 1;
        if (n <= 0) throw new IllegalArgumentException("empty range for randint(" + a + ", " + b + ")");
        int k = 64 - Long.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return a + r;
    }
}
