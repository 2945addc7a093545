package superweight.model.arch;

/** The linear layers of a decoder block, by role. DOWN is the MLP down-projection where super weights live. */
public enum Linear {
    Q, K, V, O, GATE, UP, DOWN;

    /** The Hugging Face tensor name of this projection in the llama family (used in messages and reports). */
    public String hfName(int layer) {
        return switch (this) {
            case Q, K, V, O -> "model.layers." + layer + ".self_attn." + name().toLowerCase() + "_proj.weight";
            case GATE, UP, DOWN -> "model.layers." + layer + ".mlp." + name().toLowerCase() + "_proj.weight";
        };
    }
}
