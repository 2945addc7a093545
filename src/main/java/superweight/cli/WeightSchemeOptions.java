package superweight.cli;

import picocli.CommandLine.Option;
import superweight.quant.BlockSize;
import superweight.quant.ClipRule;
import superweight.quant.RaggedBlocks;
import superweight.quant.WeightScheme;

/** The weight-quantization scheme of quantize (docs/quant.md has the exact rules). */
final class WeightSchemeOptions {
    @Option(names = "--weights", defaultValue = "int4", paramLabel = "TYPE",
            description = "Code book: int2 .. int8 (asymmetric min/max, round half to even) or nf4 / nf3 (default ${DEFAULT-VALUE}).")
    String weights;

    @Option(names = "--block", defaultValue = "65536", paramLabel = "B",
            description = "Block: B elements of the row-major flattened weight (crossing rows), channel (one row) or tensor (default ${DEFAULT-VALUE}).")
    String block;

    @Option(names = "--ragged-blocks", defaultValue = "whole", paramLabel = "MODE",
            description = "When B does not divide a tensor: whole (one block, the reference's rule) or last (a shorter last block). Default ${DEFAULT-VALUE}.")
    String ragged;

    @Option(names = "--clip", defaultValue = "none", paramLabel = "RULE",
            description = "Clip |w| before quantizing: none, z:Z (mean + Z std per block), z:auto (Z searched on calibration text, "
                    + "see --z-grid), bp:P (block percentage), tp:P (tensor percentage). Default ${DEFAULT-VALUE}.")
    String clip;

    @Option(names = "--restore-sw", arity = "0..1", fallbackValue = "1", paramLabel = "FACTOR",
            description = "After quantizing, write each super weight back at its original value (times FACTOR, default 1).")
    Float restoreFactor;

    @Option(names = "--include-lm-head", description = "Quantize the output head too (never the embeddings or norms).")
    boolean includeLmHead;

    WeightScheme scheme() {
        return new WeightScheme(weights, BlockSize.parse(block), RaggedBlocks.parse(ragged), ClipRule.parse(clip),
                restoreFactor == null ? Float.NaN : restoreFactor, includeLmHead);
    }
}
