package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.eval.DataDirs;
import superweight.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Calibration text for schemes that measure activations first (SmoothQuant, static scales): WikiText-2's
 * validation split by default (never its test split, which the perplexity reports), or any text file, cut into
 * evenly spaced windows of the model's tokens.
 */
final class CalibrationOptions {
    static final String WIKITEXT2_VALID = "wikitext2-valid";

    @Option(names = "--calibration", defaultValue = WIKITEXT2_VALID, paramLabel = "DATA",
            description = "Calibration text: " + WIKITEXT2_VALID + " (<data-dir>/wikitext-2-raw/wiki.valid.raw, the default) or a text file.")
    String calibration;

    @Option(names = "--calibration-windows", defaultValue = "64", paramLabel = "N", description = "Calibration windows (default ${DEFAULT-VALUE}).")
    int windows;

    @Option(names = "--calibration-length", defaultValue = "512", paramLabel = "T",
            description = "Tokens per calibration window, BOS included where the tokenizer adds one (default ${DEFAULT-VALUE}).")
    int length;

    /** A description of the calibration set for reports. */
    String describe(int got) {
        return got + " windows of up to " + length + " tokens from " + calibration;
    }

    /**
     * Evenly spaced windows over the tokenized text (BOS first when the tokenizer adds it by default). An
     * {@code encoder}'s windows end with the tokenizer's EOS ([SEP]) as every input it sees does ([CLS] ... [SEP]):
     * its super activations sit on those two tokens, and calibration that never showed it a [SEP] would miss them.
     */
    List<int[]> windows(Tokenizer tokenizer, Path dataDir, int contextLength, boolean encoder) {
        if (windows < 1) throw new SuperweightException("--calibration-windows " + windows + ": must be at least 1");
        if (length < 2) throw new SuperweightException("--calibration-length " + length + ": must be at least 2");
        Path file = calibration.equals(WIKITEXT2_VALID)
                ? DataDirs.of(dataDir).dataDir().resolve("wikitext-2-raw/wiki.valid.raw") : Path.of(calibration);
        if (!Files.isRegularFile(file)) throw new SuperweightException(file + ": calibration text not found (--calibration)");
        boolean bos = tokenizer.addBosByDefault() && tokenizer.bosId() >= 0, eos = encoder && tokenizer.eosId() >= 0;
        int len = Math.min(length, contextLength), body = len - (bos ? 1 : 0) - (eos ? 1 : 0);
        if (body < 1) throw new SuperweightException("--calibration-length " + length + ": no room for text between the special tokens");
        int[] stream = tokenizer.encode(Cli.readText(file), false, false);
        if (stream.length < body) throw new SuperweightException(file + ": only " + stream.length + " tokens, fewer than one calibration window");
        int count = Math.min(windows, stream.length / body);
        long stride = count > 1 ? (long) (stream.length - body) / (count - 1) : 0;
        List<int[]> out = new ArrayList<>();
        for (int w = 0; w < count; w++) {
            int from = (int) (w * stride);
            int[] win = new int[len];
            int at = 0;
            if (bos) win[at++] = tokenizer.bosId();
            System.arraycopy(stream, from, win, at, body);
            if (eos) win[len - 1] = tokenizer.eosId();
            out.add(win);
        }
        return out;
    }
}
