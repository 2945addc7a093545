package superweight.engine;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A GGUF whose ffn_down tensors are K-quant blocks, loaded end to end. The gpt_neox fixture is the only one with
 * 256-wide rows (ffn_down: 64 x 256), so only those tensors are K-quantized, as llama.cpp does.
 * <p>
 * Expected values from llama.cpp, pinned here (the tools are not needed to run the test): {@code llama-quantize
 * --output-tensor-type f32 --token-embedding-type f32 fixtures/arch/gpt_neox/model-f32.gguf out.gguf T} for T =
 * Q4_K_S, Q5_K_S, Q6_K (llama.cpp built in /work/scratch, 2026-12-02) stores blk.L.ffn_down.weight as Q4_K, Q5_K
 * and Q6_K; BYTES are the SHA-256 of those tensors' bytes and VALUES the SHA-256 of the same tensors dequantized by
 * llama.cpp's gguf-py ({@code gguf.quants.dequantize}, numpy), float32 little-endian, row-major. The file written
 * here carries this project's quantizer output, which must be those bytes, and its loaded tensors must decode to
 * those values; logits through the K-quant kernels (batched and one-token decode) must match an F32 model holding
 * the decoded values.
 */
class KQuantGgufTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "Q4_K, ce13d52fb846ca7a7cd65970cb657e811af14ad4fc9ad8382ba9d2cf8057852c 65c9678d18d0dc8f1081a490dcc89c87047a6c1b68bcfebdea4baab31862ed83"
                    + " ce07cccb94eda9f6039579f81e7cf39d6b00a8c1b3ad6a88e840f0d55d37a85f cea2b80aca4c90ffe79f238f8126dbed072afe34587026bc4bd8fa2229496cee"
                    + " 94530c5f463e5a028fd5d40c6361a59e4d0f42d99502ef7c63904bed61ce90c6 dc1ba8b223e9e855fee0872543feda089e533fb650f459d58b0d3227fd44bfe0",
            "Q5_K, d7649870092d806fd07bd67f54fc670feb820862e25ab65ec7110bace70532ed 8c6a32bf6a3869d5fa1bb76a6dccdb690a2e4d82fdfaf2fad43e2bbf6a7d610c"
                    + " d7712dbb4257740e015d45afedd000c65f5459b9a0c265cd9bb00f7dee14391a 56cdb9e24de5c79e7b569f6f86a48d33652ea2496f3edaa3120c401ad4d1d9a5"
                    + " def2a6ee2daa4e8604aa5b53c8933736788c5c9e5f09e1fc8fb99dd7186d0147 0fa6d4505a4ae4b2f4ffece88251329d6337b8da0f20e6be113559ac08348c42",
            "Q6_K, 6c72cfd00321d755c68ec145bb09b3d2449cfd0c157441d7024b1e5da00a6756 d9b304a1a18ad5681720ad3e73e4839131a806ab533a107c33fd1bcbec6f3d7a"
                    + " 7007cb53ca45d87f5b21534e486be08bb6d226ac101129534b81c180a79ce798 985c406c7facd87aa4ae75349536d32499b9490b500cc834f3f0533e1b42cd61"
                    + " 40e0b33ae3715963486fa8bd8d1e14764825b7867b9efbe29e0409a4349af5b9 b2ad9a29188969b1f679243f332ed6462a2f9bed934cba5a42f3dbcd28d4eeb2"})
    void llamaCppBlocksLoadDecodeAndRun(String typeName, String digests) throws Exception {
        int type = switch (typeName) {
            case "Q4_K" -> GgmlType.Q4_K;
            case "Q5_K" -> GgmlType.Q5_K;
            default -> GgmlType.Q6_K;
        };
        String[] d = digests.split(" ");
        Path file = writeWithQuantizedDown(type, tmp.resolve("k.gguf"), d);
        int[] tokens = Fixtures.ints(Fixtures.json(Fixtures.arch("gpt_neox").resolve("tokens.json")));
        Model q = ModelLoader.load(file);
        try {
            List<LayerWeights> f32Layers = new ArrayList<>();
            for (int l = 0; l < q.config().layers(); l++) {
                Tensor down = q.layers().get(l).down();
                assertThat(down.rows()).isEqualTo(64);
                assertThat(down.cols()).isEqualTo(256);
                float[] values = new float[(int) down.elements()];
                for (int r = 0; r < down.rows(); r++) down.readRow(r, values, r * down.cols());
                assertThat(sha256(f32Bytes(values))).as("layer %d values decoded from %s", l, typeName).isEqualTo(d[2 * l + 1]);
                f32Layers.add(q.layers().get(l).with(Linear.DOWN, F32Tensor.of(down.name(), down.rows(), down.cols(), values)));
            }
            Transformer quantized = new Transformer(q), reference = new Transformer(q.withLayers(f32Layers));
            float[] got = quantized.logits(tokens), want = reference.logits(tokens);
            assertThat(Fixtures.maxAbsDiff(got, want)).isLessThanOrEqualTo(1e-4f);
            // one-token decode calls go through the matrix-vector kernel instead of the GEMM
            float[] last = decodeLast(quantized, tokens), wantLast = Arrays.copyOfRange(want, want.length - last.length, want.length);
            assertThat(Fixtures.maxAbsDiff(last, wantLast)).isLessThanOrEqualTo(1e-4f);
        } finally {
            q.checkpoint().close();
        }
    }

    /** The fixture's GGUF with every ffn_down re-encoded by this project's quantizer (checked against llama.cpp's bytes). */
    private static Path writeWithQuantizedDown(int type, Path out, String[] digests) throws Exception {
        try (GgufFile g = GgufFile.open(Fixtures.arch("gpt_neox").resolve("model-f32.gguf"))) {
            GgufWriter w = new GgufWriter();
            g.metadata().forEach((k, v) -> w.put(k, v instanceof long[] l ? Arrays.stream(l).mapToInt(x -> (int) x).toArray() : v));
            int quantized = 0;
            for (var t : g.tensors().values()) {
                byte[] raw = g.data(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                if (!t.name().endsWith("ffn_down.weight")) {
                    w.tensor(t.name(), t.dims(), t.ggmlType(), raw);
                    continue;
                }
                float[] values = new float[(int) t.elements()];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                byte[] blocks = GgmlQuantizer.quantize(type, values);
                int layer = Integer.parseInt(t.name().split("\\.")[1]);
                assertThat(sha256(blocks)).as("%s as %s", t.name(), GgmlType.name(type)).isEqualTo(digests[2 * layer]);
                w.tensor(t.name(), t.dims(), type, blocks);
                quantized++;
            }
            assertThat(quantized).isEqualTo(3);
            w.write(out);
        }
        return out;
    }

    /** Logits of the last token fed alone after the others, over the KV cache. */
    private static float[] decodeLast(Transformer t, int[] tokens) {
        int vocab = t.model().config().vocabSize();
        InferenceState st = t.newState(tokens.length);
        float[] out = new float[vocab];
        t.forward(st, Arrays.copyOf(tokens, tokens.length - 1), Taps.NONE, Interventions.NONE, tokens.length, (p, l, o) -> { });
        t.forward(st, new int[]{tokens[tokens.length - 1]}, Taps.NONE, Interventions.NONE, 0, (p, l, o) -> System.arraycopy(l, o, out, 0, vocab));
        return out;
    }

    private static byte[] f32Bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
