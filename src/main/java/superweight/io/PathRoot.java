package superweight.io;

import superweight.SuperweightException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The folder that names read from files or servers (shard names, split names, dataset paths, names returned by the
 * Hub) must stay inside. A name is refused when it is absolute, contains a {@code ..} component or a NUL, or
 * resolves (after following links) outside the root. Paths a user types are trusted and never pass through here.
 *
 * <p>Relative names resolve against {@code base}, a folder inside the root. For a snapshot folder of the Hugging
 * Face cache ({@code models--org--name/snapshots/<commit>}) the base is the snapshot and the root its repository
 * folder {@code models--org--name}, since snapshot files legitimately link into {@code ../../blobs}.
 */
public final class PathRoot {
    private final Path root;
    private final Path base;

    private PathRoot(Path root, Path base) {
        this.root = root;
        this.base = base;
    }

    /** Names resolve against {@code folder} and must stay inside it. */
    public static PathRoot of(Path folder) {
        Path abs = real(folder.toAbsolutePath().normalize());
        return new PathRoot(abs, abs);
    }

    /** The root for files named inside a model folder: the folder, or its cache repository when it is a snapshot. */
    public static PathRoot forModelFolder(Path folder) {
        Path abs = real(folder.toAbsolutePath().normalize());
        Path snapshots = abs.getParent();
        if (snapshots != null && snapshots.getFileName() != null && snapshots.getFileName().toString().equals("snapshots")) {
            Path repo = snapshots.getParent();
            if (repo != null && repo.getFileName() != null && repo.getFileName().toString().matches("(models|datasets)--.+")) {
                return new PathRoot(repo, abs);
            }
        }
        return new PathRoot(abs, abs);
    }

    public Path root() {
        return root;
    }

    /**
     * Resolves {@code name}, read from field {@code field} of {@code source}, against the base folder, refusing
     * anything that would leave the root.
     */
    public Path resolve(String name, Path source, String field) {
        if (name == null || name.isEmpty()) throw refuse(source, field, name, "an empty name");
        if (name.indexOf('\0') >= 0) throw refuse(source, field, name.replace('\0', '?'), "a NUL character");
        if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
            throw refuse(source, field, name, "an absolute path");
        }
        Path rel;
        try {
            rel = Path.of(name);
        } catch (InvalidPathException e) {
            throw refuse(source, field, name, "not a valid path");
        }
        if (rel.isAbsolute()) throw refuse(source, field, name, "an absolute path");
        for (String part : name.split("[/\\\\]")) if (part.equals("..")) throw refuse(source, field, name, "a '..' component");
        Path resolved = base.resolve(rel).normalize();
        if (!resolved.startsWith(root)) throw refuse(source, field, name, "a path outside " + root);
        if (Files.exists(resolved) && !real(resolved).startsWith(root)) {
            throw refuse(source, field, name, "a link that leads outside " + root);
        }
        return resolved;
    }

    private static SuperweightException refuse(Path source, String field, String name, String what) {
        return new SuperweightException(source + ": " + field + " names \"" + name + "\", " + what + "; refusing to open it");
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }
}
