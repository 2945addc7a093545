package superweight.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;
import superweight.eval.DataDirs;
import superweight.hub.DownloadProgress;
import superweight.hub.HubSettings;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** When the CLI fetches a data set (the downloads themselves: HubDatasetTest against the fake Hub). */
class DatasetDownloadsTest {
    @TempDir
    Path tmp;
    final StringWriter err = new StringWriter();

    HubSettings hub(boolean offline) {
        // port 9 on the loopback interface refuses at once: a Hub that cannot be reached
        return new HubSettings(URI.create("http://127.0.0.1:9"), tmp.resolve("hub"), null, offline, DownloadProgress.console());
    }

    @Test
    void dataPresentLocallyIsNeverFetched() {
        // the shared data directory has piqa and lambada; with an unreachable Hub any attempt would leave a trace in the cache
        DatasetDownloads.ensure(List.of("piqa", "lambada_openai", "wikitext2"), new DataDirs(Fixtures.shared().resolve("data"), tmp.resolve("hub")),
                hub(false), new PrintWriter(err, true));
        assertThat(err.toString()).isEmpty();
        assertThat(Files.exists(tmp.resolve("hub"))).isFalse();
    }

    @Test
    void missingDataWithTheHubOutOfReachOrOfflineLeavesTheEvalErrorToSpeak() throws Exception {
        DataDirs none = new DataDirs(Files.createDirectories(tmp.resolve("none")), tmp.resolve("hub"));
        DatasetDownloads.ensure(List.of("sciq", "c4", "a-file.txt"), none, hub(false), new PrintWriter(err, true));
        DatasetDownloads.ensure(List.of("sciq"), none, hub(true), new PrintWriter(err, true));
        assertThat(err.toString()).isEmpty();
    }
}
