package superweight.hub;

import superweight.SuperweightException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Brings one blob into the cache: under a lock file (other processes wait; threads of this JVM wait on an
 * in-process lock, since file locks are per process), into {@code <blob>.incomplete}, resumed with a Range request
 * after a dropped connection or an earlier interrupted run, then checked (size, and the ETag: SHA-256 of the bytes
 * for LFS files, git's blob SHA-1 for small ones) and only then renamed to its final name. A mismatch deletes the
 * partial file: nothing unverified is ever left under a blob's name.
 */
final class BlobDownload {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}"), SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final int ATTEMPTS = 5;
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private BlobDownload() {
    }

    /** What a HEAD told about a file: its ETag, size and where its bytes are served from. */
    record Metadata(String etag, long size, URI location) {
    }

    static void fetch(HubHttp http, Metadata m, Path blob, Path lockFile, String what, DownloadProgress progress) {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath(), k -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(lockFile.getParent());
            Files.createDirectories(blob.getParent());
            try (FileChannel lc = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lc.lock()) {
                if (!Files.exists(blob)) download(http, m, blob, what, progress);   // another process may have finished it meanwhile
            }
        } catch (IOException e) {
            throw new SuperweightException(what + ": cannot download into " + blob.getParent() + " (" + e.getMessage() + ")", e);
        } finally {
            local.unlock();
        }
    }

    private static void download(HubHttp http, Metadata m, Path blob, String what, DownloadProgress progress) throws IOException {
        Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (have > m.size()) {
                Files.delete(part);
                have = 0;
            }
            try {
                if (have < m.size() || m.size() == 0) transfer(http, m, part, have, what, progress);
                last = null;
                break;
            } catch (IOException e) {
                last = e;   // dropped connection: the next attempt resumes from what reached the disk
            }
        }
        if (last != null) {
            throw new SuperweightException(what + ": download interrupted " + ATTEMPTS + " times (" + last.getMessage()
                    + "); run again to resume from " + Files.size(part) + " bytes", last);
        }
        verify(m, part, what);
        try {
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, blob);
        }
    }

    private static void transfer(HubHttp http, Metadata m, Path part, long have, String what, DownloadProgress progress) throws IOException {
        HttpResponse<InputStream> r = http.get(m.location(), have);
        int code = r.statusCode();
        try (InputStream in = r.body()) {
            if (code == 416 && have == m.size()) return;
            if (code != 200 && code != 206) throw new SuperweightException(what + ": HTTP " + code + " from " + m.location().getHost());
            boolean append = code == 206 && have > 0;
            if (code == 206) checkContentRange(r, have, what);
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                 DownloadProgress.Transfer t = progress.start(what, m.size(), append ? have : 0)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(ByteBuffer.wrap(buf, 0, n));
                    t.add(n);
                }
                out.force(true);
            }
        }
        long got = Files.size(part);
        if (got < m.size()) throw new IOException("connection closed after " + got + " of " + m.size() + " bytes");
    }

    private static void checkContentRange(HttpResponse<?> r, long have, String what) {
        String cr = r.headers().firstValue("Content-Range").orElse("");
        if (!cr.startsWith("bytes " + have + "-")) {
            throw new SuperweightException(what + ": asked for bytes from " + have + ", the server sent \"" + cr + "\"");
        }
    }

    /** Size, then the checksum the ETag names; on a mismatch the partial file is deleted. */
    private static void verify(Metadata m, Path part, String what) throws IOException {
        long size = Files.size(part);
        String problem = null;
        if (size != m.size()) {
            problem = size + " bytes arrived, the Hub announced " + m.size();
        } else if (SHA256.matcher(m.etag()).matches()) {
            String got = digest(part, "SHA-256", null);
            if (!got.equals(m.etag())) problem = "SHA-256 " + got + " differs from the Hub's " + m.etag();
        } else if (SHA1.matcher(m.etag()).matches()) {
            String got = digest(part, "SHA-1", ("blob " + size + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            if (!got.equals(m.etag())) problem = "git blob SHA-1 " + got + " differs from the Hub's " + m.etag();
        }
        if (problem != null) {
            Files.deleteIfExists(part);
            throw new SuperweightException(what + ": " + problem + "; the download was deleted, nothing was cached");
        }
    }

    static String digest(Path file, String algorithm, byte[] prefix) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm, e);
        }
        if (prefix != null) md.update(prefix);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
