package superweight.hub;

import java.net.URI;
import java.nio.file.Path;

/** A second process for {@link HubLockTest}: resolves one id against an endpoint and cache, prints the path. */
public final class ResolveMain {
    private ResolveMain() {
    }

    public static void main(String[] args) {
        HubSettings s = new HubSettings(URI.create(args[0]), Path.of(args[1]), null, false, DownloadProgress.NONE);
        System.out.println(new Hub(s).resolve(args[2]));
    }
}
