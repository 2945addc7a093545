package superweight.model.format;

import superweight.SuperweightException;
import superweight.io.PathRoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns what a user typed after --model into a path: a directory or file as is, or a Hugging Face id
 * ("org/name") found in the local Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub).
 */
public final class ModelPaths {
    private ModelPaths() {
    }

    public static Path resolve(String spec) {
        Path p = Path.of(spec);
        if (Files.exists(p)) return p;
        if (spec.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
            Path snapshot = cachedSnapshot(hubCache(), spec);
            if (snapshot != null) return snapshot;
            throw new SuperweightException(spec + ": no such file or directory, and not in the Hugging Face cache ("
                    + hubCache() + "); download it there or pass the model's directory");
        }
        throw new SuperweightException(spec + ": no such file or directory");
    }

    static Path hubCache() {
        String c = System.getenv("HF_HUB_CACHE");
        if (c != null) return Path.of(c);
        String home = System.getenv("HF_HOME");
        if (home != null) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    static Path cachedSnapshot(Path hub, String id) {
        Path repo = hub.resolve("models--" + id.replace("/", "--"));
        try {
            Path ref = repo.resolve("refs/main");
            if (Files.exists(ref)) {
                // The commit hash is read from a file: it must name a folder inside the repository's snapshots.
                Path s = PathRoot.of(repo.resolve("snapshots")).resolve(Files.readString(ref).trim(), ref, "commit hash");
                if (Files.isDirectory(s)) return s;
            }
            Path snaps = repo.resolve("snapshots");
            if (Files.isDirectory(snaps)) {
                try (var list = Files.list(snaps)) {
                    return list.filter(Files::isDirectory).findFirst().orElse(null);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
