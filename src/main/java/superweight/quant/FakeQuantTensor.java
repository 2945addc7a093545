package superweight.quant;

import superweight.model.tensor.Tensor;

/**
 * A quantized tensor without a packed form (NF3, 2/3/5/6/7 bits): each row is read from the original tensor and
 * clamped, encoded and decoded as it is read, from per-block statistics computed once. Holds no copy of the weights.
 */
final class FakeQuantTensor extends Tensor {
    private final Tensor source;
    private final BlockStatistics stats;
    private final CodeBook codes;
    private final float[] scale;

    FakeQuantTensor(Tensor source, BlockStatistics stats, CodeBook codes) {
        super(source.name(), source.rows(), source.cols());
        this.source = source;
        this.stats = stats;
        this.codes = codes;
        this.scale = new float[stats.min().length];
        for (int b = 0; b < scale.length; b++) scale[b] = codes.scale(stats.min()[b], stats.max()[b]);
    }

    @Override
    public String dtype() {
        return "fake-" + codes.name() + "(" + source.dtype() + ")";
    }

    /** Per-block statistics held beside the source tensor (threshold, minimum, maximum, scale). */
    long bytes() {
        return 16L * scale.length;
    }

    @Override
    public float get(long row, int col) {
        long e = row * cols + col;
        return quantize(source.get(row, col), (int) (e / stats.layout().length()));
    }

    /** The source row, then block segment by block segment (no division per element). */
    @Override
    public void readRow(long row, float[] dst, int off) {
        source.readRow(row, dst, off);
        long e = row * cols, end = e + cols, len = stats.layout().length();
        int o = off;
        while (e < end) {
            int b = (int) (e / len);
            long segmentEnd = Math.min(end, (b + 1) * len);
            for (; e < segmentEnd; e++, o++) dst[o] = quantize(dst[o], b);
        }
    }

    private float quantize(float w, int b) {
        float v = BlockStatistics.clamp(w, stats.threshold()[b]);
        float min = stats.min()[b], s = scale[b];
        return codes.decode(codes.encode(v, min, s), min, s);
    }
}
