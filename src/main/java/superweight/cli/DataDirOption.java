package superweight.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --data-dir: where task data, perplexity text and LAMBADA are read from (the Hugging Face cache is searched too). */
final class DataDirOption {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory (default: <superweight.shared>/data; the Hugging Face datasets cache is searched too).")
    Path dataDir;
}
