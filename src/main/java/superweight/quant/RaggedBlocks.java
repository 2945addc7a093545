package superweight.quant;

import superweight.SuperweightException;

/**
 * What to do when a block length does not divide a tensor: {@code WHOLE} quantizes the whole tensor as one block
 * (and its clip statistics become tensor statistics), as the reference code does; {@code LAST} keeps blocks of B
 * and lets the last one be shorter.
 */
public enum RaggedBlocks {
    WHOLE, LAST;

    public static RaggedBlocks parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "whole" -> WHOLE;
            case "last" -> LAST;
            default -> throw new SuperweightException("--ragged-blocks '" + s + "': expected whole or last");
        };
    }

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
