package superweight.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import superweight.SuperweightException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Models by Hugging Face id: {@code org/name[@revision][:file]} becomes a folder (or, with {@code :file}, a file)
 * of the local Hub cache, downloading only what the tool reads (config, tokenizer files and the safetensors weights,
 * or the one named file) through the Hub's HTTP API the way huggingface_hub does. Online, the revision is resolved
 * to a commit and missing files are fetched; offline (HF_HUB_OFFLINE, or the Hub unreachable) the cache alone
 * answers.
 */
public final class Hub {
    /** Files read beside the weights when present: configuration and every tokenizer format the loaders know. */
    static final List<String> SIDE_FILES = List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt", "vocab.txt");
    private static final String INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HubSettings settings;
    private final HubCache cache;
    private final HubHttp http;

    public Hub(HubSettings settings) {
        this.settings = settings;
        this.cache = new HubCache(settings.cache());
        this.http = new HubHttp(settings);
    }

    public static Hub fromEnvironment() {
        return new Hub(HubSettings.fromEnvironment());
    }

    /** The local folder (or file, for {@code :file}) of a model id, downloading what is missing unless offline. */
    public Path resolve(String spec) {
        RepoRef ref = RepoRef.parse(spec);
        if (settings.offline()) {
            Path p = cached(ref);
            if (p == null) throw new SuperweightException(spec + ": HF_HUB_OFFLINE is set and the model is not in the cache " + settings.cache());
            return p;
        }
        Revision rev;
        try {
            rev = revision(ref);
        } catch (IOException e) {
            Path p = cached(ref);
            if (p != null) return p;
            throw new SuperweightException(spec + ": cannot reach " + settings.endpoint() + " (" + e.getMessage()
                    + ") and the model is not in the cache " + settings.cache(), e);
        }
        try {
            for (String name : neededFiles(ref, rev)) file(ref, rev.commit(), name, null);
        } catch (IOException e) {
            throw new SuperweightException(spec + ": download from " + settings.endpoint() + " failed (" + e.getMessage() + ")", e);
        }
        cache.writeRef(ref, rev.commit());
        Path dir = cache.snapshotDir(ref, rev.commit());
        return ref.file() == null ? dir : dir.resolve(ref.file());
    }

    /**
     * One file of a data set repository (as {@code datasets.load_dataset} would cache it through huggingface_hub:
     * {@code datasets--org--name/snapshots/<commit>/<file>}), downloaded unless the cache has it or we are offline.
     * {@code sha256}, when given, is the pinned content: a file the Hub announces with another SHA-256 is refused
     * before anything is downloaded (the content itself is always checked against what the Hub announces).
     */
    public Path dataset(String repo, String revision, String file, String sha256) {
        RepoRef ref = RepoRef.dataset(repo, revision, file);
        if (settings.offline()) {
            Path p = cached(ref);
            if (p == null) throw new SuperweightException(ref.repo() + "@" + revision + ":" + file + ": HF_HUB_OFFLINE is set and the file is not in the cache " + settings.cache());
            return p;
        }
        Revision rev;
        try {
            rev = revision(ref);
        } catch (IOException e) {
            Path p = cached(ref);
            if (p != null) return p;
            throw new Unreachable(ref.repo() + "@" + revision + ": cannot reach " + settings.endpoint() + " (" + e.getMessage()
                    + ") and the file is not in the cache " + settings.cache(), e);
        }
        if (!rev.files().contains(file)) throw new SuperweightException(ref.repo() + "@" + revision + ": the data set has no file " + file);
        Path p;
        try {
            p = file(ref, rev.commit(), file, sha256);
        } catch (IOException e) {
            throw new SuperweightException(ref.repo() + "/" + file + ": download from " + settings.endpoint() + " failed (" + e.getMessage() + ")", e);
        }
        cache.writeRef(ref, rev.commit());
        return p;
    }

    /** The Hub could not be reached and the cache does not have what was asked for. */
    public static final class Unreachable extends SuperweightException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the cache holds for the reference, or null: a snapshot with config.json, or the named file. */
    Path cached(RepoRef ref) {
        String commit = cache.commitFor(ref);
        if (commit == null) return null;
        Path dir = cache.snapshotDir(ref, commit);
        Path p = ref.file() == null ? dir : cache.snapshotFile(ref, commit, ref.file(), dir.toString());
        boolean complete = ref.file() == null ? Files.isRegularFile(dir.resolve("config.json")) : Files.isRegularFile(p);
        return complete ? p : null;
    }

    record Revision(String commit, Set<String> files) {
    }

    /** GET /api/models/{repo}/revision/{revision}: the commit and the repository's file names. */
    private Revision revision(RepoRef ref) throws IOException {
        URI uri = URI.create(settings.endpoint() + "/api/" + ref.type().plural + "/" + ref.repo() + "/revision/" + encode(ref.revision()));
        HttpResponse<InputStream> r = http.get(uri, 0);
        try (InputStream in = r.body()) {
            check(r.statusCode(), ref, "revision " + ref.revision());
            JsonNode j = JSON.readTree(in);
            Set<String> files = new TreeSet<>();
            for (JsonNode s : j.path("siblings")) files.add(s.path("rfilename").asText());
            return new Revision(HubCache.checkCommit(ref, j.path("sha").asText(null)), files);
        }
    }

    private List<String> neededFiles(RepoRef ref, Revision rev) throws IOException {
        if (ref.file() != null) {
            if (!rev.files().contains(ref.file())) throw new SuperweightException(ref + ": the repository has no file " + ref.file() + ggufHint(rev));
            return List.of(ref.file());
        }
        List<String> names = new ArrayList<>(SIDE_FILES.stream().filter(rev.files()::contains).toList());
        if (rev.files().contains("model.safetensors")) {
            names.add("model.safetensors");
        } else if (rev.files().contains(INDEX)) {
            names.add(INDEX);
            names.addAll(shards(file(ref, rev.commit(), INDEX, null), ref));
        } else {
            throw new SuperweightException(ref + ": no model.safetensors or " + INDEX + " in the repository" + ggufHint(rev));
        }
        if (!names.contains("config.json")) throw new SuperweightException(ref + ": the repository has no config.json");
        return names;
    }

    private static String ggufHint(Revision rev) {
        List<String> gguf = rev.files().stream().filter(f -> f.endsWith(".gguf")).toList();
        return gguf.isEmpty() ? "" : "; it has GGUF files, name one as org/name:file.gguf (" + String.join(", ", gguf) + ")";
    }

    private static Set<String> shards(Path index, RepoRef ref) throws IOException {
        Set<String> shards = new TreeSet<>();
        JSON.readTree(index.toFile()).path("weight_map").forEach(n -> shards.add(n.asText()));
        if (shards.isEmpty()) throw new SuperweightException(index + ": weight_map names no shards (" + ref + ")");
        return shards;
    }

    /** One file of the snapshot: linked to its blob, which is downloaded first when the cache lacks it (and, with a pin, only if it is the pinned content). */
    private Path file(RepoRef ref, String commit, String name, String sha256) throws IOException {
        URI uri = URI.create(settings.endpoint() + ref.type().urlPrefix + "/" + ref.repo() + "/resolve/" + commit + "/" + encodePath(name));
        Path target = cache.snapshotFile(ref, commit, name, uri.toString());
        if (Files.exists(target)) return target;
        BlobDownload.Metadata m = metadata(ref, commit, name, uri);
        if (sha256 != null && !sha256.equals(m.etag())) {
            throw new SuperweightException(ref.repo() + "/" + name + " at " + commit + ": the Hub announces content with SHA-256 " + m.etag()
                    + ", the pinned SHA-256 is " + sha256 + "; refusing it (nothing downloaded)");
        }
        Path blob = cache.blob(ref, m.etag());
        if (!Files.exists(blob)) BlobDownload.fetch(http, m, blob, cache.lockFile(ref, m.etag()), ref.repo() + "/" + name, settings.progress());
        HubCache.link(target, blob);
        return target;
    }

    /** HEAD of the resolve URL: ETag (X-Linked-Etag for LFS), size (X-Linked-Size), where the bytes are; X-Repo-Commit must match. */
    private BlobDownload.Metadata metadata(RepoRef ref, String commit, String name, URI uri) throws IOException {
        HttpResponse<Void> r = http.head(uri);
        int code = r.statusCode();
        if (code >= 400) check(code, ref, name);
        var h = r.headers();
        String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag"))
                .map(e -> e.replaceFirst("^W/", "").replace("\"", "")).orElseThrow(() -> new SuperweightException(ref.repo() + "/" + name + ": the Hub sent no ETag"));
        long size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).map(Long::parseLong)
                .orElseThrow(() -> new SuperweightException(ref.repo() + "/" + name + ": the Hub sent no size"));
        URI location = code >= 300 ? r.uri().resolve(h.firstValue("Location").orElseThrow()) : r.uri();
        String served = h.firstValue("X-Repo-Commit").orElse(commit);
        if (!served.equals(commit)) throw new SuperweightException(ref.repo() + "/" + name + ": asked for commit " + commit + ", the Hub answered for " + served);
        return new BlobDownload.Metadata(etag, size, location);
    }

    private void check(int code, RepoRef ref, String what) {
        if (code < 300) return;
        String where = ref.repo() + " (" + what + ")";
        if ((code == 401 || code == 403) && settings.token() == null) {
            throw new SuperweightException(where + ": HTTP " + code + ", the repository is gated or private; accept its terms at "
                    + settings.endpoint() + "/" + ref.repo() + " and set HF_TOKEN");
        }
        if (code == 401 || code == 403) {
            throw new SuperweightException(where + ": HTTP " + code + ", HF_TOKEN has no access to this repository; request access at "
                    + settings.endpoint() + "/" + ref.repo());
        }
        if (code == 404) throw new SuperweightException(where + ": not found on " + settings.endpoint() + " (HTTP 404)");
        throw new SuperweightException(where + ": HTTP " + code + " from " + settings.endpoint());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String name) {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) parts.add(encode(p));
        return String.join("/", parts);
    }
}
