package superweight.eval;

import superweight.SuperweightException;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.format.Checkpoint;
import superweight.model.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A cheap but content-based identity of a model: SHA-256 over the checkpoint's tensor directory (names, types,
 * shapes), the total data size, for every checkpoint file its name, size, first MiB (headers, config, metadata),
 * last 64 KiB and 64 evenly spaced 4 KiB samples, and three rows of every weight matrix as the model in memory holds
 * it (so a quantized copy of the same checkpoint differs). It changes when any header, shape or sampled weight
 * changes, and is stable across copies and renames of the directory. A single edited element outside the sampled
 * rows goes unnoticed: evaluate edits as {@code Interventions} (digested separately) or under their own condition.
 * A derived model's canonical derivation steps ({@link Model#derivation()}) are part of the digest.
 */
public final class ModelFingerprint {
    private static final int HEAD = 1 << 20, TAIL = 1 << 16, SAMPLE = 4096, SAMPLES = 64;

    private ModelFingerprint() {
    }

    public static String of(Model model) {
        Checkpoint ck = model.checkpoint();
        MessageDigest sha = sha256();
        update(sha, "format=" + ck.format());
        for (String name : new TreeSet<>(ck.tensorNames())) {
            update(sha, name + ":" + ck.tensor(name).dtype() + ":" + java.util.Arrays.toString(ck.shape(name)));
        }
        update(sha, "bytes=" + ck.dataBytes());
        // a synthetic checkpoint has no files: its tensor directory and sampled rows identify it
        if (ck.format() != Checkpoint.Format.SYNTHETIC) for (Path f : files(ck.path())) sampleFile(sha, f);
        sampleTensors(sha, model);
        for (String step : model.derivation()) update(sha, "derived=" + step);
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * The weights as the model in memory holds them (a quantized or edited copy shares the checkpoint but not its
     * values): type and the first, middle and last row of every linear layer, the embeddings and the head.
     */
    private static void sampleTensors(MessageDigest sha, Model model) {
        List<Tensor> tensors = new ArrayList<>(List.of(model.embeddings(), model.lmHead()));
        for (LayerWeights w : model.layers()) {
            for (Linear l : Linear.values()) if (w.linear(l) != null) tensors.add(w.linear(l));
        }
        ByteBuffer bytes = ByteBuffer.allocate(0);
        for (Tensor t : tensors) {
            update(sha, t.getClass().getSimpleName() + ":" + t.dtype() + ":" + t.rows() + "x" + t.cols());
            if (bytes.capacity() < t.cols() * 4) bytes = ByteBuffer.allocate(t.cols() * 4);
            for (long r : new long[]{0, t.rows() / 2, t.rows() - 1}) {
                float[] row = t.row(r);
                bytes.clear();
                for (float v : row) bytes.putFloat(v);
                bytes.flip();
                sha.update(bytes);
            }
        }
    }

    /** The checkpoint's own files: the file itself, or the weight/config/tokenizer files of a directory. */
    private static List<Path> files(Path p) {
        if (!Files.isDirectory(p)) return List.of(p);
        try (Stream<Path> s = Files.list(p)) {
            return new ArrayList<>(s.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".json") || n.endsWith(".safetensors") || n.endsWith(".gguf") || n.endsWith(".bin") || n.endsWith(".model");
            }).sorted().toList());
        } catch (IOException e) {
            throw new SuperweightException(p + ": cannot list the checkpoint (" + e.getMessage() + ")", e);
        }
    }

    private static void sampleFile(MessageDigest sha, Path f) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long size = ch.size();
            update(sha, f.getFileName() + ":" + size);
            read(sha, ch, 0, (int) Math.min(HEAD, size));
            if (size > HEAD) {
                for (int i = 0; i < SAMPLES; i++) {
                    long off = HEAD + (size - HEAD) / SAMPLES * i;
                    read(sha, ch, off, (int) Math.min(SAMPLE, size - off));
                }
                long tail = Math.max(HEAD, size - TAIL);
                read(sha, ch, tail, (int) (size - tail));
            }
        } catch (IOException e) {
            throw new SuperweightException(f + ": cannot read for the model fingerprint (" + e.getMessage() + ")", e);
        }
    }

    private static void read(MessageDigest sha, FileChannel ch, long off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        while (b.hasRemaining()) {
            if (ch.read(b, off + b.position()) < 0) break;
        }
        b.flip();
        sha.update(b);
    }

    private static void update(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
