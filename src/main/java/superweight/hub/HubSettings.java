package superweight.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where and how to reach the Hugging Face Hub, read from the same environment variables as Python's
 * huggingface_hub so both share one cache: HF_ENDPOINT, HF_HUB_CACHE (else HF_HOME/hub, else
 * ~/.cache/huggingface/hub), HF_TOKEN (else the token file HF_TOKEN_PATH, else HF_HOME/token) and HF_HUB_OFFLINE.
 */
public record HubSettings(URI endpoint, Path cache, String token, boolean offline, DownloadProgress progress) {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        String e = endpoint.toString();
        if (e.endsWith("/")) endpoint = URI.create(e.substring(0, e.length() - 1));
        if (token != null && token.isBlank()) token = null;
    }

    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")), DownloadProgress.console());
    }

    /** The settings an environment gives ({@code home}: the user's home folder). */
    public static HubSettings fromEnvironment(Map<String, String> env, Path home, DownloadProgress progress) {
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME")) : home.resolve(".cache/huggingface");
        Path cache = env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE")) : hfHome.resolve("hub");
        URI endpoint = env.containsKey("HF_ENDPOINT") ? URI.create(env.get("HF_ENDPOINT").trim()) : DEFAULT_ENDPOINT;
        String token = env.get("HF_TOKEN");
        if (token == null) {
            Path file = env.containsKey("HF_TOKEN_PATH") ? Path.of(env.get("HF_TOKEN_PATH")) : hfHome.resolve("token");
            token = readToken(file);
        }
        boolean offline = TRUE.contains(env.getOrDefault("HF_HUB_OFFLINE", "").trim().toUpperCase(Locale.ROOT));
        return new HubSettings(endpoint, cache, token == null ? null : token.trim(), offline, progress);
    }

    private static String readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file).trim() : null;
        } catch (IOException e) {
            return null;   // an unreadable token file is the same as none: public repositories still work
        }
    }

    /** The same settings over another cache folder (the one the data set readers search). */
    public HubSettings withCache(Path folder) {
        return new HubSettings(endpoint, folder, token, offline, progress);
    }

    public HubSettings withOffline(boolean off) {
        return new HubSettings(endpoint, cache, token, off, progress);
    }
}
