package superweight.analysis;

import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Does a super activation persist after the layer that creates it? For every layer from its own on, the vector at
 * its position in what {@link Taps#residual} sees: the residual stream after the block for pre-norm decoders, and
 * for post-LayerNorm encoders the sum x + MLP(x) that the block's output LayerNorm normalises (the encoder has no
 * un-normalised stream; the LayerNorm input is where a massive channel shows before being scaled away). The
 * activation persists when its channel is the largest |value| at its position in every one of those layers.
 */
public final class Persistence {
    /** One layer's view at the super activation's position: its channel's value, the largest channel, max/median. */
    public record Layer(int layer, float value, int maxChannel, double ratioToMedian) {
    }

    public record Result(int layer, int position, int channel, List<Layer> layers) {
        public boolean persists() {
            return layers.stream().allMatch(l -> l.maxChannel() == channel);
        }
    }

    private Persistence() {
    }

    public static Result measure(Model model, int[] tokens, SuperActivation sa, Interventions iv) {
        List<Layer> layers = new ArrayList<>();
        Taps taps = new Taps() {
            @Override
            public void residual(int layer, int start, float[] h, int n, int dim) {
                int i = sa.position() - start;
                if (layer < sa.layer() || i < 0 || i >= n) return;
                float[] row = Arrays.copyOfRange(h, i * dim, (i + 1) * dim);
                int max = 0;
                for (int c = 1; c < dim; c++) if (Math.abs(row[c]) > Math.abs(row[max])) max = c;
                float[] abs = new float[dim];
                for (int c = 0; c < dim; c++) abs[c] = Math.abs(row[c]);
                Arrays.sort(abs);
                double median = dim % 2 == 1 ? abs[dim / 2] : (abs[dim / 2 - 1] + abs[dim / 2]) / 2.0;
                layers.add(new Layer(layer, row[sa.channel()], max, Math.abs(row[max]) / Math.max(median, 1e-30)));
            }
        };
        ForwardPass.observe(model, tokens, taps, iv);
        return new Result(sa.layer(), sa.position(), sa.channel(), layers);
    }
}
