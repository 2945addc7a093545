package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.analysis.TokenStreamPerplexity;
import superweight.engine.Interventions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** How ablate and sweep score each condition (mixed into both). */
final class EvaluationOptions {
    @Option(names = "--ppl-tokens", paramLabel = "IDS|FILE",
            description = "Perplexity of this token stream (ids inline or a file of whitespace/comma separated ids), "
                    + "cut into non-overlapping windows of --window tokens.")
    String pplTokens;

    @Option(names = "--window", defaultValue = "512", paramLabel = "N", description = "Window length for --ppl-tokens (default ${DEFAULT-VALUE}, reduced to the stream length).")
    int window;

    @Option(names = "--max-windows", defaultValue = "0", paramLabel = "N", description = "Score at most N windows of --ppl-tokens (0 = all).")
    int maxWindows;

    private int[] stream;

    boolean any() {
        return pplTokens != null;
    }

    /** Checks the options and reads the inputs once, before any condition runs. */
    void prepare(AnalysisSession s) {
        if (!any()) throw new SuperweightException("nothing to evaluate: give --ppl-tokens");
        if (pplTokens != null) {
            String text = pplTokens;
            Path p = Path.of(pplTokens.trim());
            if (!pplTokens.isBlank() && Files.isRegularFile(p)) {
                try {
                    text = Files.readString(p);
                } catch (IOException e) {
                    throw new SuperweightException(p + ": cannot read (" + e.getMessage() + ")", e);
                }
            }
            stream = s.ids(text, "--ppl-tokens");
            if (window < 2) throw new SuperweightException("--window " + window + ": must be at least 2");
        }
    }

    /** metric name -> value for one condition. */
    Map<String, Double> evaluate(AnalysisSession s, String condition, Interventions iv) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (stream != null) {
            int w = Math.min(window, stream.length);
            m.put("ppl:tokens", TokenStreamPerplexity.evaluate(s.model, stream, w, maxWindows, iv).perplexity());
        }
        return m;
    }
}
