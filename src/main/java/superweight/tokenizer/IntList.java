package superweight.tokenizer;

import java.util.Arrays;

/** A growable int array (token ids without boxing). */
final class IntList {
    private int[] a = new int[16];
    private int n;

    void add(int x) {
        if (n == a.length) a = Arrays.copyOf(a, n * 2);
        a[n++] = x;
    }

    void addAll(int[] xs) {
        if (n + xs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + xs.length));
        System.arraycopy(xs, 0, a, n, xs.length);
        n += xs.length;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
