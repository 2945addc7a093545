package superweight.engine;

import superweight.model.Model;
import superweight.model.arch.EncoderEmbeddings;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.Parallel;
import superweight.model.tensor.Tensor;
import superweight.model.tensor.VectorMath;

import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass of a BERT-family encoder, top to bottom: word + position + token-type embeddings ->
 * LayerNorm -> per block (bidirectional attention with biases, residual, LayerNorm, GELU MLP, residual, LayerNorm)
 * -> last hidden state (no pooling). Several sequences run together packed one after another, each attending
 * only to its own positions: the same as padding them to one length under an attention mask, without computing
 * the padding, and bit-identical to running them one at a time (every kernel here is row-independent).
 * Taps and interventions see each sequence on its own, positions counted from 0, as in a decoder's single pass:
 * the MLP's {@code output.dense} is the down projection, and {@link Taps#residual} receives the sum x + MLP(x) that
 * the block's output LayerNorm is about to normalise (post-LN blocks carry no un-normalised residual stream; this
 * sum is where a super activation shows, and what "it persists" is measured on).
 */
public final class Encoder {
    private final Model model;
    private final ModelConfig c;

    public Encoder(Model model) {
        if (!model.isEncoder()) throw new IllegalArgumentException(model.id() + " is not an encoder");
        this.model = model;
        this.c = model.config();
    }

    public Model model() {
        return model;
    }

    /** The last hidden state [n][hidden] of one sequence (token type 0 everywhere). */
    public float[] hiddenStates(int[] tokens, Taps taps, Interventions iv) {
        return hiddenStates(List.of(tokens), taps, iv).get(0);
    }

    public float[] hiddenStates(int[] tokens) {
        return hiddenStates(tokens, Taps.NONE, Interventions.NONE);
    }

    /** The last hidden states of several sequences, one [n_i][hidden] array each, in input order. */
    public List<float[]> hiddenStates(List<int[]> sequences, Taps taps, Interventions iv) {
        int[] starts = new int[sequences.size() + 1];
        for (int s = 0; s < sequences.size(); s++) {
            int n = sequences.get(s).length;
            if (n == 0) throw new IllegalArgumentException("empty sequence " + s);
            if (n > c.contextLength()) {
                throw new IllegalArgumentException("sequence " + s + " has " + n + " tokens, more than the model's " + c.contextLength() + " positions");
            }
            starts[s + 1] = starts[s] + n;
        }
        Model m = iv.applyTo(model);
        Batch b = new Batch(starts, c.hiddenSize());
        float[] x = embed(m, sequences, b);
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = m.layers().get(l);
            float[] attn = attention(l, w, x, b, iv);
            for (int i = 0; i < x.length; i++) x[i] += attn[i];
            x = layerNorm(x, b.rows(), w.attnNorm(), w.attnNormBias());
            float[] mlp = mlp(l, w, x, b, taps, iv);
            for (int i = 0; i < x.length; i++) x[i] += mlp[i];
            for (int s = 0; s < b.count(); s++) taps.residual(l, 0, b.slice(x, s, c.hiddenSize()), b.length(s), c.hiddenSize());
            x = layerNorm(x, b.rows(), w.ffnNorm(), w.ffnNormBias());
        }
        List<float[]> out = new ArrayList<>();
        for (int s = 0; s < b.count(); s++) out.add(b.slice(x, s, c.hiddenSize()));
        return out;
    }

    /** Sequence s occupies packed rows [starts[s], starts[s+1]). */
    private record Batch(int[] starts, int hidden) {
        int count() {
            return starts.length - 1;
        }

        int rows() {
            return starts[starts.length - 1];
        }

        int length(int s) {
            return starts[s + 1] - starts[s];
        }

        /** The rows of sequence s, [n_s][dim] (the array itself when it is the only sequence). */
        float[] slice(float[] x, int s, int dim) {
            if (count() == 1) return x;
            float[] r = new float[length(s) * dim];
            System.arraycopy(x, starts[s] * dim, r, 0, r.length);
            return r;
        }

        void write(float[] x, int s, int dim, float[] rows) {
            if (rows != x) System.arraycopy(rows, 0, x, starts[s] * dim, rows.length);
        }
    }

    private float[] embed(Model m, List<int[]> sequences, Batch b) {
        int d = c.hiddenSize();
        EncoderEmbeddings e = m.encoder();
        float[] x = new float[b.rows() * d], pos = new float[d], type = new float[d];
        e.tokenTypes().readRow(0, type, 0);
        for (int s = 0; s < b.count(); s++) {
            int[] tokens = sequences.get(s);
            for (int i = 0; i < tokens.length; i++) {
                int t = tokens[i], row = (b.starts()[s] + i) * d;
                if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + c.vocabSize());
                m.embeddings().readRow(t, x, row);
                e.positions().readRow(e.positionOffset() + i, pos, 0);
                for (int j = 0; j < d; j++) x[row + j] += type[j] + pos[j];
            }
        }
        return layerNorm(x, b.rows(), e.norm(), e.normBias());
    }

    private float[] attention(int l, LayerWeights w, float[] in, Batch b, Interventions iv) {
        int d = c.hiddenSize(), hd = c.headDim(), heads = c.heads(), qDim = c.qDim();
        float[] q = linear(l, Linear.Q, w.q(), w.qBias(), in, b, iv);
        float[] k = linear(l, Linear.K, w.k(), w.kBias(), in, b, iv);
        float[] v = linear(l, Linear.V, w.v(), w.vBias(), in, b, iv);
        float[] out = new float[b.rows() * qDim];
        float scale = (float) (1.0 / Math.sqrt(hd));
        int[] seqOfRow = new int[b.rows()];
        for (int s = 0; s < b.count(); s++) java.util.Arrays.fill(seqOfRow, b.starts()[s], b.starts()[s + 1], s);
        Parallel.forRange(b.rows() * heads, 1, (from, to) -> {
            float[] p = new float[c.contextLength()];
            for (int task = from; task < to; task++) {
                int row = task / heads, h = task % heads, s = seqOfRow[row];
                int first = b.starts()[s], n = b.length(s), qOff = row * qDim + h * hd;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    p[j] = VectorMath.dot(q, qOff, k, (first + j) * qDim + h * hd, hd) * scale;
                    max = Math.max(max, p[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    p[j] = (float) Math.exp(p[j] - max);
                    sum += p[j];
                }
                float inv = (float) (1.0 / sum);
                for (int j = 0; j < n; j++) p[j] *= inv;
                VectorMath.weightedRowSum(p, 0, n, v, first * qDim + h * hd, qDim, out, qOff, hd);
            }
        });
        return linear(l, Linear.O, w.o(), w.oBias(), out, b, iv);
    }

    private float[] mlp(int l, LayerWeights w, float[] in, Batch b, Taps taps, Interventions iv) {
        int inter = c.intermediateSize(), d = c.hiddenSize();
        float[] act = linear(l, Linear.UP, w.up(), w.upBias(), in, b, iv);
        for (int i = 0; i < act.length; i++) act[i] = gelu(act[i]);
        for (int s = 0; s < b.count(); s++) taps.downProjInput(l, 0, b.slice(act, s, inter), b.length(s), inter);
        float[] y = linear(l, Linear.DOWN, w.down(), w.downBias(), act, b, iv);
        for (int s = 0; s < b.count(); s++) {
            float[] ys = b.slice(y, s, d);
            for (ActivationOverride o : iv.activationOverrides()) {
                if (o.layer() == l && o.position() >= 0 && o.position() < b.length(s)) ys[o.position() * d + o.channel()] = o.value();
            }
            if (iv.downProjOutputHook() != null) iv.downProjOutputHook().apply(l, 0, b.slice(act, s, inter), ys, b.length(s), inter, d);
            b.write(y, s, d, ys);
            taps.downProjOutput(l, 0, ys, b.length(s), d);
        }
        return y;
    }

    private float gelu(float x) {
        return switch (c.activation()) {
            case GELU_ERF -> (float) (0.5 * x * (1 + Erf.erf(x / 1.4142135623730951)));
            case GELU_TANH -> (float) (0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
            case SILU -> (float) (x / (1.0 + Math.exp(-x)));
        };
    }

    /** x W^T + bias; a linear-input hook sees each sequence's rows on their own. */
    private float[] linear(int l, Linear which, Tensor t, float[] bias, float[] in, Batch b, Interventions iv) {
        float[] x = in;
        if (iv.linearInputHook() != null) {
            x = in.clone();
            for (int s = 0; s < b.count(); s++) {
                float[] xs = b.slice(x, s, t.cols());
                iv.linearInputHook().apply(l, which, xs, b.length(s), t.cols());
                b.write(x, s, t.cols(), xs);
            }
        }
        int rows = (int) t.rows(), n = b.rows();
        float[] out = new float[n * rows];
        t.matmul(x, n, out);
        if (bias != null) for (int i = 0; i < n; i++) for (int r = 0; r < rows; r++) out[i * rows + r] += bias[r];
        return out;
    }

    private float[] layerNorm(float[] x, int n, float[] weight, float[] bias) {
        int d = c.hiddenSize();
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            double mean = 0;
            for (int j = 0; j < d; j++) mean += x[i * d + j];
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                double t = x[i * d + j] - mean;
                var += t * t;
            }
            float r = (float) (1.0 / Math.sqrt(var / d + c.normEps()));
            for (int j = 0; j < d; j++) out[i * d + j] = (float) (x[i * d + j] - mean) * r * weight[j] + bias[j];
        }
        return out;
    }
}
