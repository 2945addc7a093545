package superweight.engine;

import superweight.model.KvCache;
import superweight.model.Model;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.Linear;
import superweight.model.arch.ModelConfig.Norm;
import superweight.model.arch.ModelConfig;
import superweight.model.tensor.Parallel;
import superweight.model.tensor.Tensor;
import superweight.model.tensor.VectorMath;

import java.util.Arrays;
import java.util.List;

/**
 * The forward pass of every supported decoder, top to bottom: embed -> per block (norm, attention, norm, MLP,
 * residual) -> final norm -> logits. Family differences are configuration (norm kind, activation, biases,
 * parallel residual, post-norms, QK-norm, clipping), never branches on a family name. All positions of a call are
 * processed together (matrix-matrix products); generation calls it one token at a time over the KV cache.
 */
public final class Transformer {
    /** Positions whose logits are computed together (bounds memory for large vocabularies). */
    private static final int LOGIT_CHUNK = 16;

    private final Model model;
    private final ModelConfig c;
    private final double[] invFreq;
    /** Attention with llama.cpp's f16 KV cache ({@link KvCache#F16}). */
    private final boolean f16Cache;

    public Transformer(Model model) {
        if (model.isEncoder()) {
            throw new superweight.SuperweightException(model.id() + ": a " + model.config().architecture()
                    + " encoder has no causal language-model head (use embed, detect or embed-ablate)");
        }
        this.model = model;
        this.c = model.config();
        this.invFreq = c.ropeInverseFrequencies();
        this.f16Cache = KvCache.of(model) == KvCache.F16;
    }

    public Model model() {
        return model;
    }

    public InferenceState newState(int capacity) {
        return new InferenceState(c, capacity);
    }

    /** One causal pass over {@code tokens} from position 0; returns logits [n][vocab]. */
    public float[] logits(int[] tokens, Taps taps, Interventions iv) {
        float[] out = new float[tokens.length * c.vocabSize()];
        InferenceState st = newState(tokens.length);
        forward(st, tokens, taps, iv, 0, (pos, l, off) -> System.arraycopy(l, off, out, pos * c.vocabSize(), c.vocabSize()));
        return out;
    }

    public float[] logits(int[] tokens) {
        return logits(tokens, Taps.NONE, Interventions.NONE);
    }

    /**
     * Appends {@code tokens} at positions state.length().. and runs them through the network, updating the KV
     * cache. Logits are computed for the new tokens with index >= {@code logitsFrom} (relative to this call) and
     * handed to {@code sink} with their absolute positions; pass tokens.length to skip logits.
     */
    public void forward(InferenceState st, int[] tokens, Taps taps, Interventions iv, int logitsFrom, LogitsSink sink) {
        int n = tokens.length, start = st.length(), d = c.hiddenSize();
        if (n == 0) return;
        st.ensureCapacity(start + n);
        Model m = iv.applyTo(model);
        float[] x = new float[n * d];
        for (int i = 0; i < n; i++) {
            int t = tokens[i];
            if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " outside vocabulary of " + c.vocabSize());
            m.embeddings().readRow(t, x, i * d);
            if (c.embeddingScale() != 1f) for (int j = 0; j < d; j++) x[i * d + j] *= c.embeddingScale();
        }
        check(x, n, d, -1, "embedding", start);
        boolean decode = n == 1;
        Rotation rotation = rotation(start, n);
        int positions = n; // the cache advances by all of them, even when the last layer keeps fewer rows
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = m.layers().get(l);
            float[] attnIn = c.postNorms() ? x : norm(x, n, w.attnNorm(), w.attnNormBias());
            float[] attn = attention(l, w, st, attnIn, n, start, rotation, iv, decode);
            if (l == c.layers() - 1 && logitsFrom > 0 && nothingObservesRows(taps, iv)) {
                // As llama.cpp: after the last attention (the KV cache is complete), only the rows that get logits
                // go on. Each row of a GEMM is its own fma chain, so the kept rows' bits do not change.
                int skip = Math.min(logitsFrom, n);
                x = Arrays.copyOfRange(x, skip * d, n * d);
                attn = Arrays.copyOfRange(attn, skip * d, n * d);
                n -= skip;
                start += skip;
                logitsFrom -= skip;
                if (n == 0) break;
            }
            if (w.postAttnNorm() != null) attn = rmsNorm(attn, n, d, w.postAttnNorm());
            check(attn, n, d, l, "attention output", start);
            if (c.parallelResidual()) {
                float[] mlp = mlp(l, w, norm(x, n, w.ffnNorm(), w.ffnNormBias()), n, start, taps, iv, decode);
                check(mlp, n, d, l, "MLP output (down_proj)", start);
                for (int i = 0; i < x.length; i++) x[i] += attn[i] + mlp[i];
            } else {
                for (int i = 0; i < x.length; i++) x[i] += attn[i];
                float[] mlp = mlp(l, w, c.postNorms() ? x : norm(x, n, w.ffnNorm(), w.ffnNormBias()), n, start, taps, iv, decode);
                if (w.postFfnNorm() != null) mlp = rmsNorm(mlp, n, d, w.postFfnNorm());
                check(mlp, n, d, l, "MLP output (down_proj)", start);
                for (int i = 0; i < x.length; i++) x[i] += mlp[i];
            }
            check(x, n, d, l, "residual stream", start);
            taps.residual(l, start, x, n, d);
        }
        st.advance(positions);
        if (logitsFrom >= n) return;
        float[] h = norm(x, n, m.finalNorm(), m.finalNormBias());
        check(h, n, d, -1, "final norm", start);
        int vocab = c.vocabSize();
        for (int p0 = Math.max(0, logitsFrom); p0 < n; p0 += LOGIT_CHUNK) {
            int cnt = Math.min(LOGIT_CHUNK, n - p0);
            float[] in = new float[cnt * d];
            System.arraycopy(h, p0 * d, in, 0, cnt * d);
            float[] out = new float[cnt * vocab];
            // A decode call stays on the matrix-vector path; any longer call scores every position with the GEMM.
            if (decode) m.lmHead().matvec(in, out);
            else m.lmHead().matmul(in, cnt, out);
            NumericsCheck.logits(out, cnt, vocab, start + p0);
            for (int i = 0; i < cnt; i++) sink.accept(start + p0 + i, out, i * vocab);
        }
    }

    /** Whether the rest of the last layer may run on the logit rows only: no tap or hook sees the others. */
    private static boolean nothingObservesRows(Taps taps, Interventions iv) {
        return taps == Taps.NONE && iv.activationOverrides().isEmpty() && iv.linearInputHook() == null && iv.downProjOutputHook() == null;
    }

    /** Per-layer NaN/Inf detection, only with --check-numerics (the logits are always checked). */
    private static void check(float[] x, int n, int width, int layer, String operation, int start) {
        if (NumericsCheck.perLayer()) NumericsCheck.activations(x, n, width, layer, operation, start);
    }

    // ---- attention -----------------------------------------------------------------------------------------------

    private float[] attention(int l, LayerWeights w, InferenceState st, float[] in, int n, int start, Rotation rotation,
                              Interventions iv, boolean decode) {
        int hd = c.headDim(), qDim = c.qDim(), kvDim = c.kvDim();
        float[][] qkv = linears(l, new Linear[]{Linear.Q, Linear.K, Linear.V}, new Tensor[]{w.q(), w.k(), w.v()},
                new float[][]{w.qBias(), w.kBias(), w.vBias()}, in, n, iv, decode);
        float[] q = qkv[0], k = qkv[1], v = qkv[2];
        if (w.qNorm() != null) System.arraycopy(rmsNorm(q, n, qDim, w.qNorm()), 0, q, 0, q.length);
        if (w.kNorm() != null) System.arraycopy(rmsNorm(k, n, kvDim, w.kNorm()), 0, k, 0, k.length);
        if (!Float.isNaN(c.clipQkv())) {
            clamp(q, c.clipQkv());
            clamp(k, c.clipQkv());
            clamp(v, c.clipQkv());
        }
        for (int i = 0; i < n; i++) {
            rope(q, i * qDim, c.heads(), rotation, start + i);
            rope(k, i * kvDim, c.kvHeads(), rotation, start + i);
        }
        if (f16Cache) { // the cache's f16 keys and values, and the f16 queries their product reads
            roundToF16(q, 0, q.length);
            roundToF16(k, 0, k.length);
            roundToF16(v, 0, v.length);
        }
        float[] keys = st.keys[l], values = st.values[l];
        int cap = st.capacity;
        // Transposed in runs of 16 positions: each channel's 16 keys fill one cache line of the channel-major cache.
        for (int i0 = 0; i0 < n; i0 += 16) {
            int i1 = Math.min(n, i0 + 16);
            for (int ch = 0; ch < kvDim; ch++) {
                for (int i = i0; i < i1; i++) keys[ch * cap + start + i] = k[i * kvDim + ch];
            }
        }
        System.arraycopy(v, 0, values, start * kvDim, n * kvDim);
        float[] out = new float[n * qDim];
        int group = c.heads() / c.kvHeads();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int window = c.slidingWindow();
        int tile = VectorMath.ATTENTION_TILE, tiles = (n + tile - 1) / tile, rowLength = start + n;
        // Without a sliding window, full tiles of four queries read the keys from panels packed once per call
        // (VectorMath.packKeys); the rest (a last partial tile, windows, decode) one query at a time from the cache.
        // Both compute every score and output as the same in-order fma chain, so the split changes no bit.
        boolean tiled = window == 0 && n >= tile;
        int panelLength = VectorMath.keyPanelLength(hd, rowLength);
        float[] panels = tiled ? packKeyPanels(st, keys, rowLength, panelLength) : null;
        int rowStride = panelLength / hd;
        // Tasks go head by head (every tile of head 0, then head 1, ...): a chunk of tasks reuses one head's keys and
        // values from the core's cache instead of streaming every head's for each tile.
        Parallel.forRange(tiles * c.heads(), 1, (from, to) -> {
            float[] scores = new float[tile * rowStride];
            for (int task = from; task < to; task++) {
                int h = task / tiles, i0 = task % tiles * tile, kvHead = h / group, kvOff = kvHead * hd;
                int count = Math.min(tile, n - i0);
                if (count == tile && tiled) {
                    int pos0 = start + i0, qOff = i0 * qDim + h * hd;
                    int blocks = (pos0 + tile + VectorMath.KEY_BLOCK - 1) / VectorMath.KEY_BLOCK;
                    VectorMath.panelDots4(q, qOff, qDim, hd, panels, kvHead * panelLength, blocks, scores, 0, rowStride);
                    VectorMath.softmax4(scores, 0, rowStride, pos0, scale);
                    if (f16Cache) for (int t = 0; t < tile; t++) roundToF16(scores, t * rowStride, t * rowStride + pos0 + t + 1);
                    VectorMath.weightedRowSum4(scores, rowStride, 0, pos0 + 1, values, kvOff, kvDim, out, qOff, qDim, hd);
                    continue;
                }
                for (int i = i0; i < i0 + count; i++) {
                    int pos = start + i, qOff = i * qDim + h * hd;
                    int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                    VectorMath.columnDots(q, qOff, hd, keys, kvOff * cap, cap, first, pos + 1, scores, first);
                    VectorMath.softmax(scores, 0, first, pos, scale);
                    if (f16Cache) roundToF16(scores, first, pos + 1);
                    VectorMath.weightedRowSum(scores, first, pos + 1, values, kvOff, kvDim, out, qOff, hd);
                }
            }
        });
        return linear(l, Linear.O, w.o(), w.oBias(), out, n, iv, decode);
    }

    /** Keys [0, count) of every kv head as panels of {@code panelLength} floats each, in the state's scratch. */
    private float[] packKeyPanels(InferenceState st, float[] keys, int count, int panelLength) {
        int hd = c.headDim(), cap = st.capacity;
        float[] panels = st.keyPanels(c.kvHeads() * panelLength);
        Parallel.forRange(c.kvHeads(), 1, (from, to) -> {
            for (int h = from; h < to; h++) VectorMath.packKeys(keys, h * hd * cap, cap, hd, count, panels, h * panelLength);
        });
        return panels;
    }

    /** cos and sin of every rotary angle of positions [from, from + count), row-major by position. */
    private record Rotation(int from, int half, float[] cos, float[] sin) {
    }

    /** Computed once per call and shared by every layer (each layer's q and k would otherwise recompute them). */
    private Rotation rotation(int from, int count) {
        int half = c.rotaryDims() / 2;
        float[] cos = new float[count * half], sin = new float[count * half];
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < half; i++) {
                double angle = (from + p) * invFreq[i];
                // StrictMath: the same bits on every JVM and CPU
                cos[p * half + i] = (float) StrictMath.cos(angle);
                sin[p * half + i] = (float) StrictMath.sin(angle);
            }
        }
        return new Rotation(from, half, cos, sin);
    }

    /** Rotate-half RoPE on the first rotaryDims of each head: dims (i, i + rotaryDims/2) form a pair. */
    private void rope(float[] x, int off, int heads, Rotation rotation, int pos) {
        int half = rotation.half(), hd = c.headDim(), row = (pos - rotation.from()) * half;
        for (int i = 0; i < half; i++) {
            float cos = rotation.cos()[row + i], sin = rotation.sin()[row + i];
            for (int h = 0; h < heads; h++) {
                int b = off + h * hd;
                float x1 = x[b + i], x2 = x[b + i + half];
                x[b + i] = x1 * cos - x2 * sin;
                x[b + i + half] = x2 * cos + x1 * sin;
            }
        }
    }

    private static void clamp(float[] x, float limit) {
        for (int i = 0; i < x.length; i++) x[i] = Math.max(-limit, Math.min(limit, x[i]));
    }

    // ---- MLP -----------------------------------------------------------------------------------------------------

    private float[] mlp(int l, LayerWeights w, float[] in, int n, int start, Taps taps, Interventions iv, boolean decode) {
        int inter = c.intermediateSize(), d = c.hiddenSize();
        float[] act;
        if (w.gate() != null) {
            float[][] upGate = linears(l, new Linear[]{Linear.UP, Linear.GATE}, new Tensor[]{w.up(), w.gate()},
                    new float[][]{w.upBias(), null}, in, n, iv, decode);
            float[] up = upGate[0], gate = upGate[1];
            if (c.activation() == ModelConfig.Activation.SILU) VectorMath.siluTimes(gate, up, gate.length);
            else for (int i = 0; i < gate.length; i++) gate[i] = activation(gate[i]) * up[i];
            act = gate;
        } else {
            float[] up = linear(l, Linear.UP, w.up(), w.upBias(), in, n, iv, decode);
            for (int i = 0; i < up.length; i++) up[i] = activation(up[i]);
            act = up;
        }
        taps.downProjInput(l, start, act, n, inter);
        float[] y = linear(l, Linear.DOWN, w.down(), w.downBias(), act, n, iv, decode);
        for (ActivationOverride o : iv.activationOverrides()) {
            int i = o.position() - start;
            if (o.layer() == l && i >= 0 && i < n) y[i * d + o.channel()] = o.value();
        }
        if (iv.downProjOutputHook() != null) iv.downProjOutputHook().apply(l, start, act, y, n, inter, d);
        taps.downProjOutput(l, start, y, n, d);
        return y;
    }

    private float activation(float x) {
        return switch (c.activation()) {
            case SILU -> x / (VectorMath.exp(-x) + 1f);
            case GELU_TANH -> (float) (0.5 * x * (1 + StrictMath.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
            case GELU_ERF -> (float) (0.5 * x * (1 + Erf.erf(x / 1.4142135623730951)));
        };
    }

    // ---- linear layers and norms ---------------------------------------------------------------------------------

    /** {@code decode}: the call has one position (matrix-vector path); otherwise the GEMM, even for one kept row. */
    private float[] linear(int l, Linear which, Tensor t, float[] bias, float[] in, int n, Interventions iv, boolean decode) {
        float[] x = in;
        if (iv.linearInputHook() != null) {
            x = in.clone();
            iv.linearInputHook().apply(l, which, x, n, t.cols());
        }
        int rows = (int) t.rows();
        float[] out = new float[n * rows];
        if (decode) t.matvec(x, out);
        else t.matmul(x, n, out);
        addBias(out, bias, n);
        return out;
    }

    /** out[i * rows + r] += bias[r] for the n positions of out (none without a bias). */
    private static void addBias(float[] out, float[] bias, int n) {
        if (bias == null) return;
        int rows = bias.length;
        for (int i = 0; i < n; i++) for (int r = 0; r < rows; r++) out[i * rows + r] += bias[r];
    }

    /**
     * The products of several linears with the same input (q, k, v; gate, up), without an input hook: a decode call
     * as one parallel range ({@link Tensor#matvecAll}: one dispatch), a prefill with its int8 activations quantized
     * once ({@link Tensor#matmulAll}); the same bits as one call each.
     */
    private float[][] linears(int l, Linear[] which, Tensor[] ts, float[][] biases, float[] in, int n, Interventions iv, boolean decode) {
        float[][] outs = new float[ts.length][];
        if (iv.linearInputHook() != null) {
            for (int i = 0; i < ts.length; i++) outs[i] = linear(l, which[i], ts[i], biases[i], in, n, iv, decode);
            return outs;
        }
        for (int i = 0; i < ts.length; i++) outs[i] = new float[n * (int) ts[i].rows()];
        if (decode) Tensor.matvecAll(ts, in, outs);
        else Tensor.matmulAll(ts, in, n, outs);
        for (int i = 0; i < ts.length; i++) addBias(outs[i], biases[i], n);
        return outs;
    }

    /** v[from, to) rounded to the nearest f16 value (ties to even, as F16C and ggml's conversion round). */
    private static void roundToF16(float[] v, int from, int to) {
        for (int i = from; i < to; i++) v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i]));
    }

    /** The configured pre-norm (RMSNorm or LayerNorm; null weight = no scale, as in OLMo's parameter-free LayerNorm). */
    private float[] norm(float[] x, int n, float[] weight, float[] bias) {
        return c.norm() == Norm.RMS ? rmsNorm(x, n, c.hiddenSize(), weight) : layerNorm(x, n, c.hiddenSize(), weight, bias);
    }

    private float[] rmsNorm(float[] x, int n, int d, float[] weight) {
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += (double) x[i * d + j] * x[i * d + j];
            float r = (float) (1.0 / Math.sqrt(ss / d + c.normEps()));
            for (int j = 0; j < d; j++) out[i * d + j] = x[i * d + j] * r * (weight == null ? 1f : weight[j]);
        }
        return out;
    }

    private float[] layerNorm(float[] x, int n, int d, float[] weight, float[] bias) {
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
            for (int j = 0; j < d; j++) {
                float y = (float) (x[i * d + j] - mean) * r;
                if (weight != null) y *= weight[j];
                if (bias != null) y += bias[j];
                out[i * d + j] = y;
            }
        }
        return out;
    }

    /** Convenience for callers that need per-layer weights. */
    public List<LayerWeights> layers() {
        return model.layers();
    }
}
