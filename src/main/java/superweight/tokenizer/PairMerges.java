package superweight.tokenizer;

import java.util.Arrays;

/**
 * The merge table of a BPE model: (left symbol, right symbol) -> (rank, merged symbol), in an open-addressing
 * hash table of primitive longs, plus the merge loop itself. Lower rank merges first; equal ranks merge leftmost
 * first. The loop keeps the symbols in a linked list and candidate pairs in a binary heap, so a word of n symbols
 * costs O(n log n) instead of the quadratic rescans of a naive implementation.
 */
final class PairMerges {
    private static final long EMPTY = Long.MIN_VALUE;
    private static final int DEAD = Integer.MIN_VALUE;

    private long[] keys;
    private long[] values;
    private int size;

    PairMerges(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Adds a merge; when the pair is already present the lower rank is kept. Symbols must be >= 0. */
    void put(int left, int right, int rank, int merged) {
        if (size * 2 >= keys.length) grow();
        long k = key(left, right);
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (keys[i] != EMPTY && keys[i] != k) i = (i + 1) & mask;
        long v = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        if (keys[i] == EMPTY) {
            keys[i] = k;
            values[i] = v;
            size++;
        } else if (rank < (int) (values[i] >>> 32)) {
            values[i] = v;
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] == EMPTY) continue;
            int i = slot(oldKeys[j], mask);
            while (keys[i] != EMPTY) i = (i + 1) & mask;
            keys[i] = oldKeys[j];
            values[i] = oldValues[j];
        }
    }

    /** (rank << 32 | merged) for the pair, or -1 when the pair never merges (or a symbol is negative). */
    long get(int left, int right) {
        if (left < 0 || right < 0) return -1;
        long k = key(left, right);
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (true) {
            long at = keys[i];
            if (at == k) return values[i];
            if (at == EMPTY) return -1;
            i = (i + 1) & mask;
        }
    }

    /**
     * Merges the symbols in place until no pair merges. Returns the number of surviving symbols; their ids are
     * moved to the front of {@code symbols} and their original positions written to {@code positions} (which must be
     * at least as long as {@code symbols}).
     */
    int merge(int[] symbols, int n, int[] positions) {
        if (n < 2) {
            if (n == 1) positions[0] = 0;
            return n;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) offer(heap, symbols, i, i + 1);
        while (!heap.isEmpty()) {
            long e = heap.poll();
            int pos = (int) e;
            int rank = (int) (e >>> 32);
            if (symbols[pos] == DEAD) continue;
            int right = next[pos];
            if (right < 0) continue;
            long v = get(symbols[pos], symbols[right]);
            if (v < 0 || (int) (v >>> 32) != rank) continue; // stale: the pair changed since it was queued
            symbols[pos] = (int) v;
            symbols[right] = DEAD;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) prev[after] = pos;
            if (prev[pos] >= 0) offer(heap, symbols, prev[pos], pos);
            if (after >= 0) offer(heap, symbols, pos, after);
        }
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            positions[count] = i;
            symbols[count++] = symbols[i];
        }
        return count;
    }

    private void offer(LongHeap heap, int[] symbols, int left, int right) {
        long v = get(symbols[left], symbols[right]);
        if (v >= 0) heap.add((v & 0xFFFFFFFF00000000L) | left);
    }

    /** A binary min-heap of longs (rank in the high half, position in the low half). */
    private static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return n == 0;
        }

        void add(long x) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            int i = n++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= x) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = x;
        }

        long poll() {
            long top = a[0];
            long x = a[--n];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) break;
                if (c + 1 < n && a[c + 1] < a[c]) c++;
                if (x <= a[c]) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = x;
            return top;
        }
    }
}
