package superweight.model.arch;

/** OLMo2: no pre-norms; RMSNorm after attention and after the MLP; q_norm/k_norm over the full projection width. */
final class Olmo2 extends Architecture {
    @Override
    protected boolean postNorms() {
        return true;
    }

    @Override
    protected boolean qkNorm() {
        return true;
    }
}
