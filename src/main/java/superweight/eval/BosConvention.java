package superweight.eval;

import superweight.SuperweightException;
import superweight.model.arch.ModelConfig;
import superweight.tokenizer.Tokenizer;

/**
 * Which lm-evaluation-harness BOS behaviour requests follow (HFLM, causal models). The two differ only where
 * {@code add_bos_token} is not given; an explicit {@code --add-bos}/{@code --no-add-bos} means the same in both.
 */
public enum BosConvention {
    /**
     * lm-eval 0.4.3 (what the paper used) up to 0.4.9.1: {@code add_bos_token=False}, forced on for Gemma; an empty
     * context becomes [prefix token] and the continuation is encoded with the same BOS setting.
     */
    LM_EVAL_0_4_3("0.4.3"),
    /**
     * lm-eval 0.4.9.2 / 0.4.10 and later (PR #3347, "add_bos_token defaults to None"): without the option the
     * tokenizer's own default applies ({@code add_special_tokens} unset: Llama and Gemma add BOS, GPT-NeoX and Qwen2
     * do not); the Gemma special case is gone; an empty context's continuation is encoded without special tokens
     * and, when it starts with the prefix token, that token becomes the context instead of being doubled.
     */
    LM_EVAL_0_4_10("0.4.10");

    private final String label;

    BosConvention(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static BosConvention parse(String s) {
        for (BosConvention c : values()) if (c.label.equals(s)) return c;
        throw new SuperweightException("--lm-eval-bos " + s + ": expected 0.4.3 or 0.4.10");
    }

    /** Whether requests get BOS when the user did not say. */
    boolean defaultAddBos(ModelConfig config, Tokenizer tokenizer) {
        return switch (this) {
            case LM_EVAL_0_4_3 -> config.architecture().contains("gemma");
            case LM_EVAL_0_4_10 -> tokenizer.addBosByDefault() && tokenizer.bosId() >= 0;
        };
    }
}
