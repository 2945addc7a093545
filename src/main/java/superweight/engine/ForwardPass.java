package superweight.engine;

import superweight.model.Model;

/**
 * One observing pass over a single sequence with whichever forward pass the model has: the causal
 * {@link Transformer} (no logits) for decoders, the bidirectional {@link Encoder} for encoders. Analysis that only
 * reads taps (detection, characterisation, calibration) calls this and so runs on both kinds of model.
 */
public final class ForwardPass {
    private ForwardPass() {
    }

    public static void observe(Model model, int[] tokens, Taps taps, Interventions iv) {
        if (model.isEncoder()) {
            new Encoder(model).hiddenStates(tokens, taps, iv);
        } else {
            Transformer t = new Transformer(model);
            t.forward(t.newState(tokens.length), tokens, taps, iv, tokens.length, (p, l, o) -> { });
        }
    }
}
