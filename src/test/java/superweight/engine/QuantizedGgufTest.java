package superweight.engine;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import superweight.Fixtures;
import superweight.model.Model;
import superweight.model.ModelLoader;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.format.GgufFile;
import superweight.model.format.GgufWriter;
import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.Tensor;
import superweight.quant.GgmlQuantizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The llama fixture re-encoded as a GGUF with quantized linear layers runs through the quantized kernels and
 * gives the logits of an F32 model holding the same dequantized values (decoded here, independently of the
 * tensor classes, from the block bytes).
 */
class QuantizedGgufTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.F16})
    void quantizedKernelsMatchDequantizedF32(int type) throws Exception {
        Path src = Fixtures.arch("llama").resolve("model-f32.gguf");
        Path out = tmp.resolve("q.gguf");
        List<String> quantized = new ArrayList<>();
        try (GgufFile g = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? java.util.Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            for (var t : g.tensors().values()) {
                float[] values = new float[(int) t.elements()];
                g.data(t).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                // As llama.cpp does, only matrices whose rows are whole 32-value blocks are quantized (not ffn_down: 176 columns).
                boolean quantize = t.dims().length == 2 && t.name().startsWith("blk.") && t.dims()[0] % 32 == 0;
                if (quantize) quantized.add(t.name());
                byte[] data = !quantize ? f32Bytes(values) : switch (type) {
                    case GgmlType.Q8_0 -> GgmlQuantizer.q8_0(values);
                    case GgmlType.Q4_0 -> GgmlQuantizer.q4_0(values);
                    case GgmlType.Q4_1 -> GgmlQuantizer.q4_1(values);
                    case GgmlType.F16 -> f16Bytes(values);
                    default -> throw new IllegalArgumentException();
                };
                w.tensor(t.name(), t.dims(), quantize ? type : GgmlType.F32, data);
            }
            w.write(out);
        }
        assertThat(quantized).hasSize(3 * 6);
        var tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("llama").resolve("tokens.json")));
        Model q = ModelLoader.load(out);
        try {
            float[] got = new Transformer(q).logits(tokens);
            // Rebuild every linear as F32 from the file's bytes, decoded by this test's own block decoder.
            List<LayerWeights> layers = new ArrayList<>();
            try (GgufFile g = GgufFile.open(out)) {
                for (int l = 0; l < q.config().layers(); l++) {
                    LayerWeights lw = q.layers().get(l);
                    for (Linear lin : Linear.values()) {
                        Tensor t = lw.linear(lin);
                        lw = lw.with(lin, F32Tensor.of(t.name(), t.rows(), t.cols(), decodeRows(g, t)));
                    }
                    layers.add(lw);
                }
                float[] want = new Transformer(q.withLayers(layers)).logits(tokens);
                assertThat(Fixtures.maxAbsDiff(got, want)).isLessThanOrEqualTo(1e-4f);
                // The loaded linears are the stored type (the kernels above ran on it, not on an F32 copy) ...
                int checked = 0;
                for (LayerWeights lw : q.layers()) {
                    for (Linear lin : Linear.values()) {
                        Tensor t = lw.linear(lin);
                        if (quantized.contains(t.name()) || quantized.contains(t.name() + ".weight")) {
                            assertThat(t.dtype()).as(t.name()).isEqualTo(GgmlType.name(type));
                            checked++;
                        }
                    }
                }
                assertThat(checked).isEqualTo(quantized.size());
                // ... and for the block types, quantization moves the logits well beyond the 1e-4 tolerance, so F32
                // weights in place of the blocks would fail the check above (F16's rounding stays below it).
                float[] f32 = Fixtures.floats(Fixtures.arch("llama").resolve("logits.f32"));
                if (type != GgmlType.F16) assertThat(Fixtures.maxAbsDiff(want, f32)).isGreaterThan(100 * 1e-4f);
            }
        } finally {
            q.checkpoint().close();
        }
    }

    /** Decodes the rows of a (possibly row-permuted) view from the raw block bytes of its source tensor. */
    private static float[] decodeRows(GgufFile g, Tensor view) {
        float[] out = new float[(int) view.elements()];
        for (long r = 0; r < view.rows(); r++) {
            // Views over GGUF Q/K reorder rows; the reference asks the view which source row it shows.
            long src = view instanceof superweight.model.tensor.RowView rv ? rv.sourceRow(r) : r;
            Tensor base = view instanceof superweight.model.tensor.RowView rv ? rv.base() : view;
            var info = g.tensors().get(base.name());
            ByteBuffer b = g.data(info).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int cols = view.cols();
            for (int c = 0; c < cols; c++) out[(int) (r * cols + c)] = decode(b, info.ggmlType(), src, c, cols);
        }
        return out;
    }

    private static float decode(ByteBuffer b, int type, long row, int col, int cols) {
        long idx = row * cols + col;
        int block = (int) (idx / 32), j = (int) (idx % 32);
        return switch (type) {
            case GgmlType.F32 -> b.getFloat((int) idx * 4);
            case GgmlType.F16 -> Float.float16ToFloat(b.getShort((int) idx * 2));
            case GgmlType.Q8_0 -> Float.float16ToFloat(b.getShort(block * 34)) * b.get(block * 34 + 2 + j);
            case GgmlType.Q4_0 -> {
                int q = b.get(block * 18 + 2 + j % 16) & 0xFF;
                yield Float.float16ToFloat(b.getShort(block * 18)) * ((j < 16 ? q & 15 : q >> 4) - 8);
            }
            case GgmlType.Q4_1 -> {
                int q = b.get(block * 20 + 4 + j % 16) & 0xFF;
                yield Float.float16ToFloat(b.getShort(block * 20)) * (j < 16 ? q & 15 : q >> 4) + Float.float16ToFloat(b.getShort(block * 20 + 2));
            }
            default -> throw new IllegalArgumentException();
        };
    }

    private static byte[] f32Bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static byte[] f16Bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putShort(Float.floatToFloat16(f));
        return b.array();
    }
}
