package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.analysis.SuperWeight;
import superweight.analysis.SuperWeightDetector;

import java.util.List;

/** Where an ablation command's super weights come from (mixed into ablate, sweep, token-shift, case-study, characterize). */
final class SuperWeightOptions {
    @Option(names = "--model-id", paramLabel = "HF_ID", description = "The model's Hugging Face id (for --super-weights catalog; "
            + "default: inferred from the checkpoint).")
    String modelId;

    @Option(names = "--super-weights", defaultValue = "detect", paramLabel = "SOURCE",
            description = "detect (iterative detection on the detection prompt, the default), catalog (published "
                    + "coordinates of this model, see --model-id) or an explicit list layer:row:col[,layer:row:col...].")
    String source;

    @Option(names = "--detect-prompt", defaultValue = SuperWeightDetector.PAPER_PROMPT, paramLabel = "TEXT",
            description = "Text to detect super weights on (default: the paper's \"${DEFAULT-VALUE}\").")
    String detectPrompt;

    @Option(names = "--detect-tokens", paramLabel = "IDS",
            description = "Token ids to detect on instead of --detect-prompt (for checkpoints without a tokenizer).")
    String detectTokens;

    @Option(names = "--threshold", defaultValue = "50", paramLabel = "T",
            description = "Detection threshold on max |down_proj input| and |output| (default ${DEFAULT-VALUE}).")
    double threshold;

    List<SuperWeight> resolve(AnalysisSession s) {
        int[] tokens = null;
        if (source.trim().equals("detect")) {
            if (detectTokens != null) {
                tokens = s.ids(detectTokens, "--detect-tokens");
            } else {
                try {
                    tokens = s.encode(detectPrompt, "--detect-prompt");
                } catch (SuperweightException e) {
                    throw new SuperweightException(e.getMessage() + " (pass --detect-tokens IDS or --super-weights layer:row:col)", e);
                }
            }
        }
        return s.superWeights(source, tokens, threshold);
    }
}
