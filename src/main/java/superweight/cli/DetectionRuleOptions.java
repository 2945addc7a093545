package superweight.cli;

import picocli.CommandLine.Option;
import superweight.analysis.DetectionRule;

/** --rule and --threshold: which layers give candidates and which candidates count (mixed into detect and the ablation commands). */
final class DetectionRuleOptions {
    @Option(names = "--rule", defaultValue = "evidence", paramLabel = "RULE",
            description = {"evidence (default): candidates from layers spiking on both sides (|value| > --threshold or "
                    + ">= 100 x the tensor's median), counted only when the weight makes most of the output spike at "
                    + "the same token and zeroing it removes the activation from the residual stream;",
                    "paper: the public code's plain rule, |in| and |out| > --threshold;",
                    "relative[:R]: max |value| >= R x median |value| on both sides (default R 100), for small models."})
    String rule;

    @Option(names = "--threshold", defaultValue = "50", paramLabel = "T",
            description = "Absolute spike threshold on |value| of the paper and evidence rules (default ${DEFAULT-VALUE}).")
    double threshold;

    DetectionRule rule() {
        return DetectionRule.parse(rule, threshold);
    }
}
