package superweight.hub;

import superweight.SuperweightException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model named by Hub id as typed after --model: {@code org/name}, optionally {@code @revision} (branch, tag or
 * commit; default main) and {@code :file} (one file of the repository, e.g. a .gguf).
 */
public record RepoRef(String repo, String revision, String file) {
    private static final Pattern SPEC = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*)(?:@([^:@\\s]+))?(?::([^:\\s]+))?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

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

    /** The cache folder name, as huggingface_hub names it: models--org--name. */
    public String folderName() {
        return "models--" + repo.replace("/", "--");
    }

    public boolean revisionIsCommit() {
        return COMMIT.matcher(revision).matches();
    }

    @Override
    public String toString() {
        return repo + (revision.equals("main") ? "" : "@" + revision) + (file == null ? "" : ":" + file);
    }
}
