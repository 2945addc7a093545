package superweight.hub;

import superweight.SuperweightException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * HTTP as the Hub needs it. Redirects are followed here, not by the client, so that the token goes only to the
 * endpoint's own origin (scheme, host and port): a large file's redirect to a storage host never carries it.
 */
final class HubHttp {
    private static final int MAX_REDIRECTS = 10;
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final HubSettings settings;

    HubHttp(HubSettings settings) {
        this.settings = settings;
    }

    /** GET with redirects followed; {@code range} is the first byte wanted (0: the whole file). */
    HttpResponse<InputStream> get(URI uri, long range) throws IOException {
        return send(uri, "GET", range, true, HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * HEAD as huggingface_hub does it: redirects within the endpoint (renamed repositories) are followed, one to
     * another origin is not (its response carries the file's metadata and, in Location, where its bytes are).
     */
    HttpResponse<Void> head(URI uri) throws IOException {
        return send(uri, "HEAD", 0, false, HttpResponse.BodyHandlers.discarding());
    }

    private <T> HttpResponse<T> send(URI uri, String method, long range, boolean crossOrigin, HttpResponse.BodyHandler<T> body) throws IOException {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", "superweight/0.1").header("Accept-Encoding", "identity").timeout(Duration.ofMinutes(5));
            if (settings.token() != null && sameOrigin(current, settings.endpoint())) b.header("Authorization", "Bearer " + settings.token());
            if (range > 0) b.header("Range", "bytes=" + range + "-");
            HttpResponse<T> r;
            try {
                r = client.send(b.build(), body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int code = r.statusCode();
            if (code < 300 || code >= 400 || code == 304) return r;
            String location = r.headers().firstValue("Location").orElse(null);
            if (location == null) return r;
            URI next = current.resolve(location);
            if (!crossOrigin && !sameOrigin(next, settings.endpoint())) return r;
            if (r.body() instanceof InputStream in) in.close();
            current = next;
        }
        throw new SuperweightException(uri + ": more than " + MAX_REDIRECTS + " redirects");
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }
}
