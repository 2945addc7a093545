package superweight.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import superweight.Fixtures;
import superweight.SuperweightException;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The llama2.c reader against llama2.c's export layout (run.c's memory_map_weights: the 7-int header, then
 * token_embedding_table, all layers' rms_att_weight, wq, wk, wv, wo, rms_ffn_weight, w1, w2, w3, rms_final_weight,
 * the two RoPE tables of seq_len x head_size/2 floats, and wcls only when vocab_size is negative), checked on a
 * file whose every float is its own index, and on the shared 260K checkpoint against llama.cpp's GGUF conversion.
 */
class Llama2cCheckpointTest {
    private static final Path MODEL = Fixtures.shared().resolve("models/llama2c-260k");

    @TempDir
    Path tmp;

    /** A header and then {@code floats} values 0, 1, 2, ... */
    private Path counting(int[] header, int floats) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : header) b.putInt(h);
        for (int i = 0; i < floats; i++) b.putFloat(i);
        Path p = tmp.resolve("m.bin");
        Files.write(p, b.array());
        return p;
    }

    /**
     * dim 4, hidden 6, 2 layers, 2 heads, 1 KV head (kv dim 2), vocab 3 with its own classifier, seq_len 2. Float
     * offsets, counted by hand: embeddings 0 (3x4), attn_norm 12, 16; wq 20, 36 (4x4); wk 52, 60 (2x4); wv 68, 76;
     * wo 84, 100; ffn_norm 116, 120; w1 124, 148 (6x4); w2 172, 196 (4x6); w3 220, 244; final norm 268; RoPE tables
     * 272..276 (2 x 2 x 1); wcls 276..288.
     */
    private static final int[] SEPARATE = {4, 6, 2, 2, 1, -3, 2};
    private static final Map<String, Integer> STARTS = Map.ofEntries(Map.entry("token_embd.weight", 0),
            Map.entry("blk.0.attn_norm.weight", 12), Map.entry("blk.1.attn_norm.weight", 16),
            Map.entry("blk.0.attn_q.weight", 20), Map.entry("blk.1.attn_q.weight", 36),
            Map.entry("blk.0.attn_k.weight", 52), Map.entry("blk.1.attn_k.weight", 60),
            Map.entry("blk.0.attn_v.weight", 68), Map.entry("blk.1.attn_v.weight", 76),
            Map.entry("blk.0.attn_output.weight", 84), Map.entry("blk.1.attn_output.weight", 100),
            Map.entry("blk.0.ffn_norm.weight", 116), Map.entry("blk.1.ffn_norm.weight", 120),
            Map.entry("blk.0.ffn_gate.weight", 124), Map.entry("blk.1.ffn_gate.weight", 148),
            Map.entry("blk.0.ffn_down.weight", 172), Map.entry("blk.1.ffn_down.weight", 196),
            Map.entry("blk.0.ffn_up.weight", 220), Map.entry("blk.1.ffn_up.weight", 244),
            Map.entry("output_norm.weight", 268), Map.entry("output.weight", 276));

    @Test
    void everyTensorSitsWhereLlama2cPutsIt() throws IOException {
        Path p = counting(SEPARATE, 288);
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(p)) {
            assertThat(ck.header()).isEqualTo(new Llama2cCheckpoint.Header(4, 6, 2, 2, 1, 3, 2, false));
            assertThat(ck.tensorNames()).containsExactlyInAnyOrderElementsOf(STARTS.keySet());
            for (var e : STARTS.entrySet()) {
                Tensor t = ck.tensor(e.getKey());
                int start = e.getValue();
                for (int r = 0; r < t.rows(); r++) {
                    float[] want = new float[t.cols()];
                    for (int c = 0; c < want.length; c++) want[c] = start + r * t.cols() + c;
                    assertThat(t.row(r)).as("%s row %d", e.getKey(), r).containsExactly(want);
                }
            }
            assertThat(ck.shape("token_embd.weight")).containsExactly(3, 4);
            assertThat(ck.shape("blk.1.attn_k.weight")).containsExactly(2, 4);
            assertThat(ck.shape("blk.0.ffn_down.weight")).containsExactly(4, 6);
            assertThat(ck.shape("blk.0.ffn_gate.weight")).containsExactly(6, 4);
            assertThat(ck.shape("output_norm.weight")).containsExactly(4);
            assertThat(ck.dataBytes()).isEqualTo(4L * (288 - 4)); // everything but the RoPE tables
            assertThat(ck.openedTensorNames()).isEqualTo(ck.tensorNames());
            assertThat(ck.format()).isEqualTo(Checkpoint.Format.LLAMA2C);
            assertThat(ck.path()).isEqualTo(p);
            assertThatThrownBy(() -> ck.tensor("output")).hasMessage(p + ": missing tensor output");
        }
    }

    /**
     * Head size 4 (dim 8, 2 heads), so the RoPE tables' size depends on head_size / 2 = 2: dim 8, hidden 4, 1 layer,
     * 2 KV heads, vocab 2 with its own classifier, seq_len 3. Float offsets: embeddings 0 (2x8), attn_norm 16, wq 24
     * (8x8), wk 88, wv 152, wo 216, ffn_norm 280, w1 288 (4x8), w2 320 (8x4), w3 352, final norm 384, RoPE tables
     * 392..404 (2 x 3 x 2), wcls 404..420.
     */
    @Test
    void theRopeTablesAreSkippedByTheirSize() throws IOException {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(counting(new int[]{8, 4, 1, 2, 2, -2, 3}, 420))) {
            Tensor out = ck.tensor("output.weight");
            assertThat(out.row(0)[0]).isEqualTo(404);
            assertThat(out.row(1)[7]).isEqualTo(419);
            assertThat(ck.tensor("output_norm.weight").row(0)[0]).isEqualTo(384);
            assertThat(ck.tensor("blk.0.ffn_up.weight").row(0)[0]).isEqualTo(352);
        }
    }

    @Test
    void truncationIsReportedWithTheTensorAndItsBytes() throws IOException {
        // the classifier needs file bytes 28 + 4 x 276 = 1132 .. 1180
        Path p = counting(SEPARATE, 287);
        assertThatThrownBy(() -> Llama2cCheckpoint.open(p)).isInstanceOf(SuperweightException.class)
                .hasMessage(p + ": truncated llama2.c checkpoint (tensor output.weight needs bytes 1132..1180, file has 1176)");
        // shared classifier: the file ends with the RoPE tables at 1132; one float short is a truncated table
        int[] shared = SEPARATE.clone();
        shared[5] = 3;
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(counting(shared, 276))) {
            assertThat(ck.header().sharedClassifier()).isTrue();
            assertThat(ck.tensorNames()).doesNotContain("output.weight").hasSize(20);
        }
        Path shortTables = counting(shared, 275);
        assertThatThrownBy(() -> Llama2cCheckpoint.open(shortTables))
                .hasMessage(shortTables + ": truncated llama2.c checkpoint (header implies 1132 bytes, file has 1128)");
    }

    /** Each header field at the first implausible value is refused; at the last plausible one it passes to the size checks. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0, 6, 2, 2, 1, 3, 2 | implausible", "4, 0, 2, 2, 1, 3, 2 | implausible", "4, 6, 0, 2, 1, 3, 2 | implausible",
            "4, 6, 2, 0, 1, 3, 2 | implausible", "4, 6, 2, 2, 0, 3, 2 | implausible", "4, 6, 2, 2, 1, 0, 2 | implausible",
            "4, 6, 2, 2, 1, 3, 0 | implausible", "6, 6, 2, 4, 1, 3, 2 | implausible", "4, 6, 2, 4, 3, 3, 2 | implausible",
            "65537, 6, 2, 1, 1, 3, 2 | implausible", "4, 6, 1025, 2, 1, 3, 2 | implausible",
            "65536, 6, 2, 1, 1, 3, 2 | truncated", "4, 6, 1024, 2, 1, 3, 2 | truncated", "4, 6, 2, 2, 2, 3, 2 | truncated",
            "4, 6, 2, 2, 1, -3, 2 | truncated"})
    void headerFieldsAreChecked(String header, String kind) throws IOException {
        int[] h = Arrays.stream(header.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        Path p = counting(h, 8);
        String message = kind.equals("implausible") ? p + ": not a llama2.c checkpoint (implausible header " + Arrays.toString(h) + ")"
                : p + ": truncated llama2.c checkpoint (tensor token_embd.weight needs bytes 28..";
        assertThatThrownBy(() -> Llama2cCheckpoint.open(p)).isInstanceOf(SuperweightException.class).hasMessageStartingWith(message);
    }

    @Test
    void shortFilesAndPyTorchZips() throws IOException {
        Path zip = tmp.resolve("pytorch_model.bin");
        Files.write(zip, new byte[]{'P', 'K', 3, 4});
        assertThatThrownBy(() -> Llama2cCheckpoint.open(zip)).hasMessage(zip + ": a PyTorch (zip/pickle) checkpoint, which is not supported; "
                + "use the model's .safetensors files or a GGUF conversion");
        Path shortFile = tmp.resolve("short.bin");
        Files.write(shortFile, new byte[27]);
        assertThatThrownBy(() -> Llama2cCheckpoint.open(shortFile)).hasMessage(shortFile + ": truncated llama2.c header (27 bytes)");
        Path three = tmp.resolve("three.bin");
        Files.write(three, new byte[]{'P', 'K', 3});
        assertThatThrownBy(() -> Llama2cCheckpoint.open(three)).hasMessage(three + ": truncated llama2.c header (3 bytes)");
    }

    /** The shared 260K checkpoint: its README's header, and every tensor equal to llama.cpp's conversion of it. */
    @Test
    void theSharedCheckpointEqualsItsGgufConversion() {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(MODEL.resolve("model.bin"));
             GgufCheckpoint gguf = GgufCheckpoint.open(MODEL.resolve("model.gguf"), MODEL.resolve("model.gguf"))) {
            assertThat(ck.header()).isEqualTo(new Llama2cCheckpoint.Header(64, 172, 5, 8, 4, 512, 512, true));
            assertThat(ck.tensorNames()).hasSize(1 + 9 * 5 + 1);
            // 28-byte header + weights + RoPE tables (2 x 512 x 4 floats) = the file's 1056540 bytes
            assertThat(ck.dataBytes()).isEqualTo(1056540 - 28 - 4L * 2 * 512 * 4);
            for (String n : ck.tensorNames()) {
                assertThat(gguf.shape(n)).as(n).containsExactly(ck.shape(n));
                Tensor a = ck.tensor(n), b = gguf.tensor(n);
                for (int r = 0; r < a.rows(); r++) assertThat(a.row(r)).as("%s row %d", n, r).containsExactly(b.row(r));
            }
        }
    }
}
