package superweight.eval;

import java.nio.file.Path;

/**
 * Where data sets are looked for: the superweight data directory (layouts as in shared/data) and the Hugging Face
 * hub cache ({@code datasets--ORG--NAME/snapshots/REV/...}).
 */
public record DataDirs(Path dataDir, Path hfHub) {
    /** The default data directory: system property superweight.shared + "/data", else ../shared/data. */
    public static Path defaultDataDir() {
        String shared = System.getProperty("superweight.shared");
        if (shared == null) shared = System.getenv("SUPERWEIGHT_SHARED");
        return Path.of(shared != null ? shared : "../shared").resolve("data").toAbsolutePath().normalize();
    }

    /** HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
    public static Path defaultHfHub() {
        String hub = System.getenv("HF_HUB_CACHE");
        if (hub != null) return Path.of(hub);
        String home = System.getenv("HF_HOME");
        if (home != null) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    public static DataDirs of(Path dataDir) {
        return new DataDirs(dataDir != null ? dataDir : defaultDataDir(), defaultHfHub());
    }
}
