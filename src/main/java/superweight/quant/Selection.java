package superweight.quant;

/** Order statistics in linear expected time (quickselect with median-of-three pivots), in place. */
final class Selection {
    private Selection() {
    }

    /** The value of rank {@code k} (0 = smallest) of {@code a}; reorders {@code a}. NaN sorts last, as in torch. */
    static float select(float[] a, int k) {
        if (k < 0 || k >= a.length) throw new IllegalArgumentException("rank " + k + " of " + a.length);
        int lo = 0, hi = a.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (less(a[mid], a[lo])) swap(a, mid, lo);
            if (less(a[hi], a[lo])) swap(a, hi, lo);
            if (less(a[hi], a[mid])) swap(a, hi, mid);
            float pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j) {
                while (less(a[i], pivot)) i++;
                while (less(pivot, a[j])) j--;
                if (i <= j) swap(a, i++, j--);
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return a[k];
        }
        return a[k];
    }

    private static boolean less(float a, float b) {
        return Float.compare(a, b) < 0;
    }

    private static void swap(float[] a, int i, int j) {
        float t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
