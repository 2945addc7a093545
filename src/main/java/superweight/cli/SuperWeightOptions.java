package superweight.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.analysis.SuperWeightDetector;

/** Where an ablation command's super weights come from (mixed into ablate, sweep, token-shift, case-study, characterize). */
final class SuperWeightOptions {
    @Option(names = "--model-id", paramLabel = "HF_ID", description = "The model's Hugging Face id for the catalog lookup "
            + "(default: inferred from the checkpoint).")
    String modelId;

    @Option(names = "--super-weights", defaultValue = "auto", paramLabel = "SOURCE",
            description = "auto (the default: the catalog's published coordinates when the model is in the catalog, as "
                    + "the paper's code always uses its map; detection otherwise), detect (detection on the detection "
                    + "prompt, see --rule), catalog (the published coordinates, see --model-id) or an explicit list "
                    + "layer:row:col[,layer:row:col...].")
    String source;

    @Option(names = "--detect-prompt", defaultValue = SuperWeightDetector.PAPER_PROMPT, paramLabel = "TEXT",
            description = "Text to detect super weights on (default: the paper's \"${DEFAULT-VALUE}\").")
    String detectPrompt;

    @Option(names = "--detect-tokens", paramLabel = "IDS",
            description = "Token ids to detect on instead of --detect-prompt (for checkpoints without a tokenizer).")
    String detectTokens;

    @Mixin
    DetectionRuleOptions rule;

    AnalysisSession.SuperWeightSet resolve(AnalysisSession s) {
        return s.superWeights(source, () -> detectionTokens(s), rule.rule());
    }

    private int[] detectionTokens(AnalysisSession s) {
        if (detectTokens != null) return s.ids(detectTokens, "--detect-tokens");
        try {
            return s.encode(detectPrompt, "--detect-prompt");
        } catch (SuperweightException e) {
            throw new SuperweightException(e.getMessage() + " (pass --detect-tokens IDS or --super-weights layer:row:col)", e);
        }
    }
}
