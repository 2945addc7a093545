package superweight.analysis;

import superweight.engine.ForwardPass;
import superweight.engine.Interventions;
import superweight.engine.Taps;
import superweight.model.Model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Is the super activation a property of the model rather than of the prompt? Over several prompts, for every
 * super activation channel (the row of a super weight, in its layer), records where |down_proj output| in that
 * channel is largest, its value and token, and whether that channel also holds the layer's overall largest output.
 * Runs on decoders and encoders alike ({@link ForwardPass}).
 */
public final class Characterization {
    /** One prompt's view of one super activation channel. */
    public record Observation(int prompt, int layer, int channel, int position, int token, float value, boolean layerMaximum) {
    }

    /** Across prompts, for one (layer, channel). */
    public record Summary(int layer, int channel, int prompts, int layerMaximumCount, Map<Integer, Integer> positions,
                          int firstTokenCount, double meanMagnitude, double minMagnitude, double maxMagnitude,
                          double relativeSpread) {
        /** The super activation is the layer's largest output in every prompt. */
        public boolean sameChannel() {
            return layerMaximumCount == prompts;
        }

        public boolean samePosition() {
            return positions.size() == 1;
        }
    }

    public record Result(List<Observation> observations, List<Summary> summaries) {
    }

    private Characterization() {
    }

    public static Result run(Model model, List<SuperWeight> superWeights, List<int[]> prompts) {
        Map<Integer, List<Integer>> channels = new LinkedHashMap<>();
        for (SuperWeight s : superWeights) {
            List<Integer> ch = channels.computeIfAbsent(s.layer(), k -> new ArrayList<>());
            if (!ch.contains(s.row())) ch.add(s.row());
        }
        List<Observation> obs = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) obs.addAll(observe(model, channels, p, prompts.get(p)));
        List<Summary> summaries = new ArrayList<>();
        channels.forEach((layer, chs) -> {
            for (int c : chs) {
                int channel = c;
                summaries.add(summarize(layer, c, obs.stream().filter(o -> o.layer() == layer && o.channel() == channel).toList()));
            }
        });
        return new Result(obs, summaries);
    }

    /** One prompt's pass: per watched channel, the position of its largest |output|, and whether that is the layer's maximum. */
    private static List<Observation> observe(Model model, Map<Integer, List<Integer>> channels, int prompt, int[] tokens) {
        DownProjMaxima maxima = new DownProjMaxima(model.config().layers());
        List<Observation> mine = new ArrayList<>();
        Taps taps = new Taps() {
            @Override
            public void downProjInput(int layer, int start, float[] x, int n, int dim) {
                maxima.downProjInput(layer, start, x, n, dim);
            }

            @Override
            public void downProjOutput(int layer, int start, float[] y, int n, int dim) {
                maxima.downProjOutput(layer, start, y, n, dim);
                for (int c : channels.getOrDefault(layer, List.of())) {
                    int best = 0;
                    for (int i = 1; i < n; i++) if (Math.abs(y[i * dim + c]) > Math.abs(y[best * dim + c])) best = i;
                    mine.add(new Observation(prompt, layer, c, start + best, tokens[best], y[best * dim + c], false));
                }
            }
        };
        ForwardPass.observe(model, tokens, taps, Interventions.NONE);
        List<LayerMaximum> layers = maxima.layers(model.id());
        List<Observation> r = new ArrayList<>();
        for (Observation o : mine) {
            LayerMaximum m = layers.get(o.layer());
            boolean isMax = m.maxOutChannel() == o.channel() && m.maxOutPosition() == o.position();
            r.add(new Observation(o.prompt(), o.layer(), o.channel(), o.position(), o.token(), o.value(), isMax));
        }
        return r;
    }

    /** Positions, layer-maximum count and magnitude statistics of one channel over the prompts. */
    private static Summary summarize(int layer, int channel, List<Observation> of) {
        Map<Integer, Integer> positions = new java.util.TreeMap<>();
        double sum = 0, min = Double.POSITIVE_INFINITY, max = 0;
        int isMax = 0, first = 0;
        for (Observation o : of) {
            positions.merge(o.position(), 1, Integer::sum);
            double a = Math.abs(o.value());
            sum += a;
            min = Math.min(min, a);
            max = Math.max(max, a);
            if (o.layerMaximum()) isMax++;
            if (o.position() == 0) first++;
        }
        double mean = of.isEmpty() ? 0 : sum / of.size(), var = 0;
        for (Observation o : of) var += Math.pow(Math.abs(o.value()) - mean, 2);
        double spread = of.isEmpty() || mean == 0 ? 0 : Math.sqrt(var / of.size()) / mean;
        return new Summary(layer, channel, of.size(), isMax, positions, first, mean, of.isEmpty() ? 0 : min, max, spread);
    }

    /** Varied prompts for the default characterization (facts, code, dialogue, lists, other languages, numbers). */
    public static final List<String> DEFAULT_PROMPTS = List.of(
            "Apple Inc. is a worldwide tech company.",
            "Summer is hot. Winter is cold.",
            "The quick brown fox jumps over the lazy dog.",
            "def add(a, b):\n    return a + b",
            "Q: What is the capital of France?\nA: Paris.",
            "My favorite foods are pizza, pasta, and ice cream.",
            "In 1969, Neil Armstrong became the first person to walk on the Moon.",
            "Le chat dort sur le canapé pendant que la pluie tombe.",
            "1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
            "Once upon a time, in a small village, there lived an old clockmaker.");
}
