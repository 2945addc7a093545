package superweight.cli;

import picocli.CommandLine.Option;
import superweight.SuperweightException;
import superweight.model.arch.Linear;
import superweight.quant.ActivationQuantizer;
import superweight.quant.SuperOutlier;
import superweight.quant.W8A8;

import java.util.EnumSet;
import java.util.Locale;

/** The activation side of a scheme (quantize's --activations): docs/quant-activations.md has the rules. */
final class ActivationSchemeOptions {
    @Option(names = "--activations", paramLabel = "TYPE",
            description = "Also fake-quantize the input of every block linear: int8 (or int2..int8), symmetric absmax, per sequence.")
    String activations;

    @Option(names = "--per-token", description = "--activations: one scale per token instead of per tensor.")
    boolean perToken;

    @Option(names = "--static", description = "--activations: static per-tensor scales from the calibration set.")
    boolean staticScales;

    @Option(names = "--sa", defaultValue = "none", paramLabel = "MODE",
            description = "--activations: replace-restore takes the super outliers out before quantizing and restores them (the paper's method); none (default).")
    String sa;

    @Option(names = "--sa-scope", defaultValue = "all", paramLabel = "SCOPE",
            description = "--sa replace-restore: down-input, residual or all (default).")
    String saScope;

    @Option(names = "--smoothquant", paramLabel = "ALPHA",
            description = "--activations: SmoothQuant's migration with this alpha (calibrated), folded in before the weights are quantized.")
    Double smoothAlpha;

    boolean requested() {
        return activations != null;
    }

    boolean replaceRestore() {
        return switch (sa.toLowerCase(Locale.ROOT)) {
            case "none" -> false;
            case "replace-restore" -> true;
            default -> throw new SuperweightException("--sa " + sa + ": expected none or replace-restore");
        };
    }

    /** The options as a scheme, or a one-line error for a bad combination. */
    W8A8.Options options() {
        String a = activations.trim().toLowerCase(Locale.ROOT);
        int bits;
        try {
            bits = Integer.parseInt(a.startsWith("int") ? a.substring(3) : a);
        } catch (NumberFormatException e) {
            throw new SuperweightException("--activations " + activations + ": expected int8 (or int2..int8)");
        }
        if (bits < 2 || bits > 8) throw new SuperweightException("--activations " + activations + ": expected int8 (or int2..int8)");
        if (staticScales && perToken) throw new SuperweightException("--static and --per-token: static scales are per tensor");
        SuperOutlier.Scope scope = switch (saScope.toLowerCase(Locale.ROOT)) {
            case "all" -> SuperOutlier.Scope.ALL;
            case "down-input" -> SuperOutlier.Scope.DOWN_INPUT;
            case "residual" -> SuperOutlier.Scope.RESIDUAL;
            default -> throw new SuperweightException("--sa-scope " + saScope + ": expected all, down-input or residual");
        };
        return new W8A8.Options(bits, perToken ? ActivationQuantizer.Granularity.PER_TOKEN : ActivationQuantizer.Granularity.PER_TENSOR,
                staticScales, replaceRestore(), scope, smoothAlpha, EnumSet.allOf(Linear.class));
    }
}
