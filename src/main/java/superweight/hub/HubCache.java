package superweight.hub;

import superweight.SuperweightException;
import superweight.io.AtomicOutput;
import superweight.io.PathRoot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The huggingface_hub cache layout, shared with Python: {@code models--org--name/blobs/<etag>} holds each file's
 * bytes once, {@code snapshots/<commit>/<name>} links to them (relative links, as Python makes them),
 * {@code refs/<revision>} holds the commit a branch or tag pointed to, and {@code .locks/models--org--name/<etag>.lock}
 * serialises downloads of one blob between processes.
 */
final class HubCache {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private final Path root;

    HubCache(Path root) {
        this.root = root;
    }

    Path repoDir(RepoRef r) {
        return root.resolve(r.folderName());
    }

    Path blob(RepoRef r, String etag) {
        if (!ETAG.matcher(etag).matches() || etag.startsWith(".")) throw new SuperweightException(r.repo() + ": the Hub sent an unusable ETag \"" + etag + "\"");
        return repoDir(r).resolve("blobs").resolve(etag);
    }

    Path lockFile(RepoRef r, String etag) {
        return root.resolve(".locks").resolve(r.folderName()).resolve(etag + ".lock");
    }

    static String checkCommit(RepoRef r, String commit) {
        if (commit == null || !COMMIT.matcher(commit).matches()) {
            throw new SuperweightException(r.repo() + ": the Hub sent no usable commit hash (got \"" + commit + "\")");
        }
        return commit;
    }

    Path snapshotDir(RepoRef r, String commit) {
        return repoDir(r).resolve("snapshots").resolve(checkCommit(r, commit));
    }

    /** Where file {@code name} (a name the Hub sent) of a snapshot lives; refused if it would leave the repository folder. */
    Path snapshotFile(RepoRef r, String commit, String name, String source) {
        Path dir = snapshotDir(r, commit);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SuperweightException(dir + ": cannot create (" + e.getMessage() + ")", e);
        }
        return PathRoot.forModelFolder(dir).resolve(name, Path.of(source), "file name");
    }

    /** The commit of a revision as far as the cache knows: the revision itself, refs/<revision>, or null. */
    String commitFor(RepoRef r) {
        if (r.revisionIsCommit()) return r.revision();
        Path ref = PathRoot.of(repoDir(r).resolve("refs")).resolve(r.revision(), repoDir(r), "revision");
        try {
            if (Files.isRegularFile(ref)) {
                String c = Files.readString(ref).trim();
                return COMMIT.matcher(c).matches() ? c : null;
            }
            if (r.revision().equals("main")) return onlySnapshot(r);
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** A cache made without refs/main (copied by hand) but holding one snapshot: that one. */
    private String onlySnapshot(RepoRef r) throws IOException {
        Path snaps = repoDir(r).resolve("snapshots");
        if (!Files.isDirectory(snaps)) return null;
        try (Stream<Path> s = Files.list(snaps)) {
            List<String> names = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> COMMIT.matcher(n).matches()).toList();
            return names.size() == 1 ? names.getFirst() : null;
        }
    }

    void writeRef(RepoRef r, String commit) {
        if (r.revisionIsCommit()) return;
        AtomicOutput.writeString(PathRoot.of(repoDir(r).resolve("refs")).resolve(r.revision(), repoDir(r), "revision"), commit);
    }

    /** Links a snapshot file to its blob (relative, like huggingface_hub); copies where links are not possible. */
    static void link(Path file, Path blob) {
        try {
            Files.createDirectories(file.getParent());
            if (Files.isSymbolicLink(file) && !Files.exists(file)) Files.delete(file);   // a link to a blob that was removed
            if (Files.exists(file)) return;
            try {
                Files.createSymbolicLink(file, file.getParent().relativize(blob));
            } catch (UnsupportedOperationException | SecurityException e) {
                Files.copy(blob, file);
            }
        } catch (FileAlreadyExistsException e) {
            // another process linked it first: same content by construction
        } catch (IOException e) {
            throw new SuperweightException(file + ": cannot link to " + blob + " (" + e.getMessage() + ")", e);
        }
    }
}
