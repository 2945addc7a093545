package superweight.hub;

import superweight.SuperweightException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model named by Hub id as typed after --model: {@code org/name}, optionally {@code @revision} (branch, tag or
 * commit; default main) and {@code :file} (one file of the repository, e.g. a .gguf); or a data set repository
 * ({@link Type#DATASET}), which the Hub serves and the cache stores under other prefixes.
 */
public record RepoRef(String repo, String revision, String file, Type type) {
    /** Model or data set repository: where the Hub's API and files are, and the cache folder's prefix (as huggingface_hub names them). */
    public enum Type {
        MODEL("models", ""), DATASET("datasets", "/datasets");

        final String plural, urlPrefix;

        Type(String plural, String urlPrefix) {
            this.plural = plural;
            this.urlPrefix = urlPrefix;
        }
    }

    private static final Pattern SPEC = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*)(?:@([^:@\\s]+))?(?::([^:\\s]+))?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** A model repository reference. */
    public RepoRef(String repo, String revision, String file) {
        this(repo, revision, file, Type.MODEL);
    }

    /** One file of a data set repository at a revision (branch, tag, commit or a ref such as refs/convert/parquet). */
    public static RepoRef dataset(String repo, String revision, String file) {
        if (!isRepoId(repo) || repo.contains("@") || repo.contains(":")) throw new SuperweightException(repo + ": not a Hugging Face data set id (expected org/name)");
        return new RepoRef(repo, revision, file, Type.DATASET);
    }

    public static boolean isRepoId(String spec) {
        return SPEC.matcher(spec).matches() && !spec.contains("..");
    }

    public static RepoRef parse(String spec) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches() || spec.contains("..")) {
            throw new SuperweightException(spec + ": not a Hugging Face id (expected org/name[@revision][:file])");
        }
        return new RepoRef(m.group(1), m.group(2) == null ? "main" : m.group(2), m.group(3));
    }

    /** The cache folder name, as huggingface_hub names it: models--org--name or datasets--org--name. */
    public String folderName() {
        return type.plural + "--" + repo.replace("/", "--");
    }

    public boolean revisionIsCommit() {
        return COMMIT.matcher(revision).matches();
    }

    @Override
    public String toString() {
        return repo + (revision.equals("main") ? "" : "@" + revision) + (file == null ? "" : ":" + file);
    }
}
