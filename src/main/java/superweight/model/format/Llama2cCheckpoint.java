package superweight.model.format;

import superweight.model.tensor.F32Tensor;
import superweight.model.tensor.Tensor;

import superweight.SuperweightException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A llama2.c legacy checkpoint: a 7-int header (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 * seq_len; a negative vocab_size means a separate classifier follows) and float32 weights in llama2.c's order.
 * Tensors are exposed under GGUF names, since llama2.c, like GGUF's llama, stores Q/K rows in Meta's
 * adjacent-pair RoPE order.
 */
public final class Llama2cCheckpoint implements Checkpoint {
    /** The header, as llama2.c's Config struct. */
    public record Header(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocab, int seqLen, boolean sharedClassifier) {
    }

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final Header header;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private long dataBytes;

    private Llama2cCheckpoint(Path path) {
        this.path = path;
        MemorySegment seg;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            arena.close();
            throw new SuperweightException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            if (seg.byteSize() >= 4 && seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) == 0x04034B50) {
                throw new SuperweightException(path + ": a PyTorch (zip/pickle) checkpoint, which is not supported; use the model's "
                        + ".safetensors files or a GGUF conversion");
            }
            if (seg.byteSize() < 28) throw new SuperweightException(path + ": truncated llama2.c header (" + seg.byteSize() + " bytes)");
            var i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            int[] h = new int[7];
            for (int i = 0; i < 7; i++) h[i] = seg.get(i32, 4L * i);
            header = new Header(h[0], h[1], h[2], h[3], h[4], Math.abs(h[5]), h[6], h[5] > 0);
            if (h[0] <= 0 || h[1] <= 0 || h[2] <= 0 || h[3] <= 0 || h[4] <= 0 || h[5] == 0 || h[6] <= 0
                    || h[0] % h[3] != 0 || h[3] % h[4] != 0 || h[0] > 1 << 16 || h[2] > 1024) {
                throw new SuperweightException(path + ": not a llama2.c checkpoint (implausible header "
                        + java.util.Arrays.toString(h) + ")");
            }
            long off = 28;
            int dim = header.dim(), hd = header.hiddenDim(), kvDim = dim / header.heads() * header.kvHeads();
            int headSize = dim / header.heads();
            off = add(seg, off, "token_embd.weight", header.vocab(), dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".attn_norm.weight", 1, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".attn_q.weight", dim, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".attn_k.weight", kvDim, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".attn_v.weight", kvDim, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".attn_output.weight", dim, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".ffn_norm.weight", 1, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".ffn_gate.weight", hd, dim);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".ffn_down.weight", dim, hd);
            for (int l = 0; l < header.layers(); l++) off = add(seg, off, "blk." + l + ".ffn_up.weight", hd, dim);
            off = add(seg, off, "output_norm.weight", 1, dim);
            off += 2L * header.seqLen() * (headSize / 2) * 4; // stored RoPE tables: recomputed, not used
            if (!header.sharedClassifier()) off = add(seg, off, "output.weight", header.vocab(), dim);
            if (off > seg.byteSize()) {
                throw new SuperweightException(path + ": truncated llama2.c checkpoint (header implies " + off
                        + " bytes, file has " + seg.byteSize() + ")");
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private long add(MemorySegment seg, long off, String name, long rows, int cols) {
        long bytes = rows * cols * 4;
        if (off + bytes > seg.byteSize()) {
            throw new SuperweightException(path + ": truncated llama2.c checkpoint (tensor " + name + " needs bytes "
                    + off + ".." + (off + bytes) + ", file has " + seg.byteSize() + ")");
        }
        tensors.put(name, new F32Tensor(name, rows, cols, seg.asSlice(off, bytes)));
        shapes.put(name, rows == 1 ? new long[]{cols} : new long[]{rows, cols});
        dataBytes += bytes;
        return off + bytes;
    }

    public static Llama2cCheckpoint open(Path path) {
        return new Llama2cCheckpoint(path);
    }

    public Header header() {
        return header;
    }

    @Override
    public Format format() {
        return Format.LLAMA2C;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> tensorNames() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    @Override
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new SuperweightException(path + ": missing tensor " + name);
        return t;
    }

    @Override
    public long[] shape(String name) {
        return shapes.get(name).clone();
    }

    /** Every tensor of the format is part of the model. */
    @Override
    public Set<String> openedTensorNames() {
        return tensorNames();
    }

    @Override
    public long dataBytes() {
        return dataBytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
