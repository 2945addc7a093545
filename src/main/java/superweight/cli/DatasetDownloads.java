package superweight.cli;

import superweight.eval.DataDirs;
import superweight.eval.DatasetPin;
import superweight.hub.Hub;
import superweight.hub.HubSettings;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * Data sets by Hub id when online: a task or perplexity data set found in neither the data directory nor the
 * Hugging Face cache is fetched from its pin ({@link DatasetPin}) into that cache, where the eval package then
 * finds it; one "note:" line on stderr names what was fetched. Offline (HF_HUB_OFFLINE), or when the Hub cannot be
 * reached, nothing is fetched and the eval package's own one-line "data not found" error (which lists every place
 * looked at) stands.
 */
final class DatasetDownloads {
    private DatasetDownloads() {
    }

    /** As {@link #ensure(Collection, DataDirs, HubSettings, PrintWriter)} with the data directory option and the environment's Hub settings. */
    static void ensure(Collection<String> names, Path dataDir, PrintWriter err) {
        ensure(names, DataDirs.of(dataDir), HubSettings.fromEnvironment(), err);
    }

    static void ensure(Collection<String> names, DataDirs dirs, HubSettings hub, PrintWriter err) {
        for (String name : names) {
            Optional<DatasetPin> pin = DatasetPin.of(name);
            if (pin.isEmpty() || hub.offline() || DatasetPin.present(name, dirs)) continue;
            DatasetPin p = pin.get();
            try {
                Path f = new Hub(hub.withCache(dirs.hfHub())).dataset(p.repo(), p.revision(), p.file(), p.sha256());
                err.println("note: " + name + ": " + p.repo() + "@" + p.revision() + " " + p.file() + " -> " + f);
            } catch (Hub.Unreachable e) {
                // no network: the eval package's "data not found" error, listing every place looked at, says the rest
            }
            err.flush();
        }
    }
}
