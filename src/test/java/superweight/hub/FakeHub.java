package superweight.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local stand-in for the Hugging Face Hub, as huggingface_hub documents it: the revision API (sha, siblings);
 * resolve URLs whose HEAD/GET answer with X-Repo-Commit and, for small files, the git blob SHA-1 as ETag, and
 * for LFS files a 302 to another origin (the "CDN", a second server) with X-Linked-Etag (SHA-256) and
 * X-Linked-Size; 401/403 for a gated repository; Range requests (206) on the CDN.
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "5f3a9c1e2b7d4a6f8e0c1b2a3d4e5f6a7b8c9d0e";
    static final int LFS_THRESHOLD = 10_000;
    record Request(String server, String method, String path, String authorization, String range, String rawPath) {
    }

    final String repo;
    final Map<String, byte[]> files = new TreeMap<>();
    /** LFS files whose CDN bytes differ from what the Hub announces (a corrupt transfer). */
    final Map<String, byte[]> corrupt = new TreeMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile String requiredToken;
    /** "models", or "datasets" for a data set repository (API under /api/datasets/, files under /datasets/). */
    volatile String type = "models";
    /** The commit the repository's main branch points to (COMMIT unless a test pins another). */
    volatile String commit = COMMIT;
    /** When >= 0, the next CDN GET sends this many bytes and then drops the connection. */
    volatile int dropAfter = -1;
    private final HttpServer hub, cdn;
    private final ExecutorService threads = Executors.newFixedThreadPool(6);

    FakeHub(String repo) throws IOException {
        this.repo = repo;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(threads);
        cdn.setExecutor(threads);
        hub.start();
        cdn.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** The CDN is named "localhost": another host (and port) than the endpoint, as the real storage host is. */
    private URI cdnBase() {
        return URI.create("http://localhost:" + cdn.getAddress().getPort());
    }

    static String gitBlobSha1(byte[] content) {
        return hex("SHA-1", ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII), content);
    }

    static String sha256(byte[] content) {
        return hex("SHA-256", new byte[0], content);
    }

    private static String hex(String algorithm, byte[] prefix, byte[] content) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(prefix);
            return HexFormat.of().formatHex(md.digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    List<Request> requests(String server, String method) {
        return requests.stream().filter(r -> r.server().equals(server) && r.method().equals(method)).toList();
    }

    private void record(String server, HttpExchange x) {
        requests.add(new Request(server, x.getRequestMethod(), x.getRequestURI().getPath(),
                x.getRequestHeaders().getFirst("Authorization"), x.getRequestHeaders().getFirst("Range"), x.getRequestURI().getRawPath()));
    }

    private void hub(HttpExchange x) throws IOException {
        try (x) {
            record("hub", x);
            String path = x.getRequestURI().getPath();
            if (requiredToken != null) {
                String auth = x.getRequestHeaders().getFirst("Authorization");
                if (auth == null) {
                    send(x, 401, "gated: log in".getBytes());
                    return;
                }
                if (!auth.equals("Bearer " + requiredToken)) {
                    send(x, 403, "gated: no access".getBytes());
                    return;
                }
            }
            String api = "/api/" + type + "/" + repo + "/revision/", resolve = (type.equals("datasets") ? "/datasets/" : "/") + repo + "/resolve/";
            if (path.startsWith(api)) {
                String rev = path.substring(api.length());
                if (!rev.equals("main") && !rev.equals(commit) && !rev.equals("refs/convert/parquet")) {
                    send(x, 404, "revision not found".getBytes());
                    return;
                }
                List<Map<String, String>> siblings = new ArrayList<>();
                for (String f : files.keySet()) siblings.add(Map.of("rfilename", f));
                send(x, 200, new ObjectMapper().writeValueAsBytes(Map.of("id", repo, "sha", commit, "siblings", siblings)));
            } else if (path.startsWith(resolve)) {
                String rest = path.substring(resolve.length());
                String rev = rest.substring(0, rest.indexOf('/')), name = rest.substring(rest.indexOf('/') + 1);
                byte[] content = files.get(name);
                if (content == null || !(rev.equals("main") || rev.equals(commit))) {
                    x.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                    send(x, 404, "entry not found".getBytes());
                    return;
                }
                x.getResponseHeaders().set("X-Repo-Commit", commit);
                if (content.length >= LFS_THRESHOLD) {
                    x.getResponseHeaders().set("X-Linked-Etag", "\"" + sha256(content) + "\"");
                    x.getResponseHeaders().set("X-Linked-Size", Long.toString(content.length));
                    x.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(content) + "\"");   // the pointer's, not the file's
                    x.getResponseHeaders().set("Location", cdnBase() + "/lfs/" + sha256(content) + "?signature=abc");
                    send(x, 302, new byte[0]);
                } else {
                    x.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(content) + "\"");
                    send(x, 200, content);
                }
            } else {
                send(x, 404, "no route".getBytes());
            }
        }
    }

    private void cdn(HttpExchange x) throws IOException {
        try (x) {
            record("cdn", x);
            String sha = x.getRequestURI().getPath().substring("/lfs/".length());
            String name = files.entrySet().stream().filter(e -> sha256(e.getValue()).equals(sha)).map(Map.Entry::getKey).findFirst().orElse(null);
            if (name == null) {
                send(x, 404, new byte[0]);
                return;
            }
            byte[] content = corrupt.getOrDefault(name, files.get(name));
            String range = x.getRequestHeaders().getFirst("Range");
            int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            byte[] body = java.util.Arrays.copyOfRange(content, from, content.length);
            if (range != null) x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            int drop = dropAfter;
            if (drop >= 0 && x.getRequestMethod().equals("GET")) {
                dropAfter = -1;
                x.sendResponseHeaders(range == null ? 200 : 206, body.length);
                OutputStream out = x.getResponseBody();
                out.write(body, 0, Math.min(drop, body.length));
                out.flush();
                return;   // closing with bytes missing drops the connection
            }
            send(x, range == null ? 200 : 206, body);
        }
    }

    private static void send(HttpExchange x, int code, byte[] body) throws IOException {
        boolean head = x.getRequestMethod().equals("HEAD");
        if (head) x.getResponseHeaders().set("Content-Length", Long.toString(body.length));
        x.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) x.getResponseBody().write(body);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        threads.shutdownNow();
    }
}
