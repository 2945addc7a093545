package superweight.io;

import superweight.SuperweightException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every file the tool produces (JSON, plots, reports, exported models) is written here: into a temporary sibling
 * first, flushed to disk, then renamed over the target in one step. A run killed mid-write, or a full disk, leaves
 * either the previous file or the complete new one, never a truncated one, and no temporary file behind.
 */
public final class AtomicOutput {
    /** What writes the content; it may throw any IOException (the temporary file is then removed). */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    private AtomicOutput() {
    }

    public static Path write(Path target, Body body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 20);
                body.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new SuperweightException(target + ": cannot write (" + reason(e) + ")", e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the rename already happened or the folder is gone: nothing left to clean
            }
        }
    }

    /** The innermost I/O error's message: image writers wrap "File too large" as "I/O error writing PNG file!". */
    private static String reason(IOException e) {
        IOException inner = e;
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) if (t instanceof IOException io) inner = io;
        return inner.getMessage() != null ? inner.getMessage() : inner.toString();
    }

    public static Path writeString(Path target, String content) {
        return write(target, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
    }

    public static Path writeBytes(Path target, byte[] content) {
        return write(target, out -> out.write(content));
    }
}
