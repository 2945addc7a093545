package superweight.quant;

import superweight.SuperweightException;
import superweight.analysis.SuperWeight;

import java.util.List;

import java.util.Locale;

/**
 * One weight-quantization scheme: code book (INT bits or NF), block cutting, clipping, super-weight restore and scope.
 * {@link #key(List)} names every parameter, with the restored coordinates (they depend on the model). {@code restoreFactor} is NaN when super weights are not restored.
 */
public record WeightScheme(String weights, BlockSize block, RaggedBlocks ragged, ClipRule clip, float restoreFactor,
                           boolean includeLmHead) {
    public WeightScheme {
        codeBook(weights);
        if (!Float.isNaN(restoreFactor) && !Float.isFinite(restoreFactor)) {
            throw new SuperweightException("--restore-sw " + restoreFactor + ": the factor must be finite");
        }
    }

    public boolean restores() {
        return !Float.isNaN(restoreFactor);
    }

    public CodeBook codeBook() {
        return codeBook(weights);
    }

    /** int2..int8 (or intN / N), nf4, nf3. */
    static CodeBook codeBook(String weights) {
        String w = weights.trim().toLowerCase(Locale.ROOT);
        if (w.equals("nf4")) return CodeBook.nf4();
        if (w.equals("nf3")) return CodeBook.nf3();
        try {
            int bits = Integer.parseInt(w.startsWith("int") ? w.substring(3) : w);
            if (bits >= 2 && bits <= 8) return CodeBook.integer(bits);
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new SuperweightException("--weights '" + weights + "': expected int2 .. int8, nf4 or nf3");
    }

    /**
     * The canonical description with the restored coordinates, e.g. {@code weight-quant{weights=int4,
     * rounding=half-to-even,block=16384,ragged=whole,clip=z:9.0,restore=1.0@[1:27:121],tensors=q,k,v,o,gate,up,down}}.
     */
    public String key(List<SuperWeight> restored) {
        String r = "no";
        if (restores()) {
            r = restoreFactor + "@[" + String.join(";", restored.stream().map(s -> s.layer() + ":" + s.row() + ":" + s.col()).toList()) + "]";
        }
        return "weight-quant{weights=" + codeBook().name() + ",rounding=" + codeBook().rounding() + ",block=" + block.key()
                + ",ragged=" + ragged.key() + ",clip=" + clip.key() + ",restore=" + r
                + ",tensors=q,k,v,o,gate,up,down" + (includeLmHead ? ",lm_head" : "") + "}";
    }

    /** A short label for tables and plots: "int4 B=16384 z:9.0 +sw". */
    public String label() {
        return codeBook().name() + " B=" + block.key() + (ragged == RaggedBlocks.LAST ? " ragged-last" : "")
                + (clip.kind() == ClipRule.Kind.NONE ? "" : " " + clip.key())
                + (restores() ? " +sw" + (restoreFactor == 1f ? "" : "x" + restoreFactor) : "") + (includeLmHead ? " +lm_head" : "");
    }
}
