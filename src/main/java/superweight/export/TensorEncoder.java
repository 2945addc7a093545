package superweight.export;

import superweight.model.format.FloatEncoding;
import superweight.model.format.GgufWriter;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.Parallel;
import superweight.quant.GgmlQuantizer;

/**
 * Encodes a {@link RowSource} row by row into a storage type, as the writers' data callbacks: chunks of rows are
 * decoded and encoded on the worker threads, then written in order, so memory stays at one chunk per tensor.
 */
final class TensorEncoder {
    /** About this many bytes of decoded floats per chunk. */
    private static final long CHUNK_FLOATS = 1 << 20;

    private TensorEncoder() {
    }

    /** Bytes of one row of {@code cols} values in a ggml type. */
    static int rowBytes(int ggmlType, int cols) {
        return cols / GgmlType.blockSize(ggmlType) * GgmlType.blockBytes(ggmlType);
    }

    static GgufWriter.Data ggml(RowSource src, int ggmlType) {
        String floatName = switch (ggmlType) {
            case GgmlType.F32 -> "F32";
            case GgmlType.F16 -> "F16";
            case GgmlType.BF16 -> "BF16";
            default -> null;
        };
        int rowBytes = rowBytes(ggmlType, src.cols());
        return encoded(src, rowBytes, (x, dst, off) -> {
            if (floatName != null) FloatEncoding.encode(floatName, x, src.cols(), dst, off);
            else GgmlQuantizer.quantize(ggmlType, x, 0, src.cols(), dst, off);
        });
    }

    /** Plain float storage by safetensors dtype name (F32, F16, BF16). */
    static GgufWriter.Data floats(RowSource src, String dtype) {
        int rowBytes = src.cols() * FloatEncoding.width(dtype);
        return encoded(src, rowBytes, (x, dst, off) -> FloatEncoding.encode(dtype, x, src.cols(), dst, off));
    }

    @FunctionalInterface
    private interface RowCodec {
        void encode(float[] row, byte[] dst, int off);
    }

    private static GgufWriter.Data encoded(RowSource src, int rowBytes, RowCodec codec) {
        return out -> {
            int chunk = (int) Math.max(1, Math.min(src.rows(), CHUNK_FLOATS / Math.max(1, src.cols())));
            byte[] bytes = new byte[chunk * rowBytes];
            for (long r0 = 0; r0 < src.rows(); r0 += chunk) {
                long first = r0;
                int n = (int) Math.min(chunk, src.rows() - r0);
                Parallel.forRange(n, 1, (from, to) -> {
                    float[] row = new float[src.cols()];
                    for (int i = from; i < to; i++) {
                        src.reader().read(first + i, row, 0);
                        codec.encode(row, bytes, i * rowBytes);
                    }
                });
                out.write(bytes, 0, n * rowBytes);
            }
        };
    }
}
