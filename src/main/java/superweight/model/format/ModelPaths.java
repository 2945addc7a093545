package superweight.model.format;

import superweight.SuperweightException;
import superweight.hub.Hub;
import superweight.hub.RepoRef;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Turns what a user typed after --model into a path: an existing file or directory is always that path; otherwise
 * a Hugging Face id {@code org/name[@revision][:file]} is looked up in (and, online, downloaded into) the local
 * Hugging Face cache (see {@link Hub}).
 */
public final class ModelPaths {
    private ModelPaths() {
    }

    /** With the Hub settings of the environment (HF_ENDPOINT, HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE...). */
    public static Path resolve(String spec) {
        return resolve(spec, Hub::fromEnvironment);
    }

    public static Path resolve(String spec, Supplier<Hub> hub) {
        Path p = Path.of(spec);
        if (Files.exists(p)) return p;
        if (RepoRef.isRepoId(spec)) return hub.get().resolve(spec);
        throw new SuperweightException(spec + ": no such file or directory");
    }
}
