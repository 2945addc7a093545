package superweight.export;

import superweight.model.Model;
import superweight.model.arch.Architecture;
import superweight.model.arch.LayerWeights;
import superweight.model.arch.ModelConfig;
import superweight.model.format.GgufWriter;
import superweight.model.tensor.GgmlType;
import superweight.model.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A canonical {@link Model} laid out as llama.cpp's GGUF files of its family: tensor names (blk.N.attn_q ...),
 * fused tensors where llama.cpp expects them (Phi-3's attn_qkv and gate+up in ffn_up, GPT-NeoX's attn_qkv as
 * [all q; all k; all v]), Q/K rows in adjacent-pair order for the families llama.cpp ropes that way (llama,
 * mistral, olmo), and the architecture metadata keys llama.cpp reads. Each entry is a tensor to write.
 */
final class GgufExport {
    /** One tensor of the file: its GGUF name, rows to write, and whether it is a matrix (quantizable) or a vector. */
    record Entry(String name, RowSource rows, boolean matrix, int layer, String role) {
    }

    private GgufExport() {
    }

    static List<Entry> entries(Model m) {
        ModelConfig c = m.config();
        Architecture arch = Architecture.forModelType(c.architecture(), m.id());
        boolean permute = arch.ggufStoresAdjacentPairRope();
        boolean fusedQkv = c.architecture().equals("phi3") || c.architecture().equals("gpt_neox");
        boolean fusedGateUp = c.architecture().equals("phi3");
        long[] qOrder = permute ? Architecture.adjacentPairOrder(c.heads(), c.headDim()) : null;
        long[] kOrder = permute ? Architecture.adjacentPairOrder(c.kvHeads(), c.headDim()) : null;
        List<Entry> out = new ArrayList<>();
        out.add(matrix("token_embd.weight", m.embeddings(), -1, "embeddings"));
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = m.layers().get(l);
            String p = "blk." + l + ".";
            vector(out, p + "attn_norm.weight", w.attnNorm(), l);
            vector(out, p + "attn_norm.bias", w.attnNormBias(), l);
            RowSource q = permute ? RowSource.reordered(w.q(), qOrder) : RowSource.of(w.q());
            RowSource k = permute ? RowSource.reordered(w.k(), kOrder) : RowSource.of(w.k());
            float[] qb = permute && w.qBias() != null ? RowSource.reorder(w.qBias(), qOrder) : w.qBias();
            float[] kb = permute && w.kBias() != null ? RowSource.reorder(w.kBias(), kOrder) : w.kBias();
            if (fusedQkv) {
                out.add(new Entry(p + "attn_qkv.weight", RowSource.stacked(List.of(q, k, RowSource.of(w.v()))), true, l, "qkv"));
                if (qb != null) vector(out, p + "attn_qkv.bias", RowSource.concat(qb, kb, w.vBias()), l);
            } else {
                out.add(new Entry(p + "attn_q.weight", q, true, l, "q"));
                vector(out, p + "attn_q.bias", qb, l);
                out.add(new Entry(p + "attn_k.weight", k, true, l, "k"));
                vector(out, p + "attn_k.bias", kb, l);
                out.add(matrix(p + "attn_v.weight", w.v(), l, "v"));
                vector(out, p + "attn_v.bias", w.vBias(), l);
            }
            out.add(matrix(p + "attn_output.weight", w.o(), l, "o"));
            vector(out, p + "attn_output.bias", w.oBias(), l);
            vector(out, p + "attn_q_norm.weight", w.qNorm(), l);
            vector(out, p + "attn_k_norm.weight", w.kNorm(), l);
            vector(out, p + "post_attention_norm.weight", w.postAttnNorm(), l);
            vector(out, p + "ffn_norm.weight", w.ffnNorm(), l);
            vector(out, p + "ffn_norm.bias", w.ffnNormBias(), l);
            if (fusedGateUp) {
                out.add(new Entry(p + "ffn_up.weight", RowSource.stacked(List.of(RowSource.of(w.gate()), RowSource.of(w.up()))), true, l, "gate_up"));
            } else {
                if (w.gate() != null) out.add(matrix(p + "ffn_gate.weight", w.gate(), l, "gate"));
                out.add(matrix(p + "ffn_up.weight", w.up(), l, "up"));
            }
            vector(out, p + "ffn_up.bias", w.upBias(), l);
            out.add(matrix(p + "ffn_down.weight", w.down(), l, "down"));
            vector(out, p + "ffn_down.bias", w.downBias(), l);
            vector(out, p + "post_ffw_norm.weight", w.postFfnNorm(), l);
        }
        vector(out, "output_norm.weight", m.finalNorm(), -1);
        vector(out, "output_norm.bias", m.finalNormBias(), -1);
        if (!c.tiedEmbeddings()) out.add(matrix("output.weight", m.lmHead(), -1, "lm_head"));
        float[] ropeFreqs = ropeDivisors(c);
        if (ropeFreqs != null) vector(out, "rope_freqs.weight", ropeFreqs, -1);
        return out;
    }

    /** The architecture metadata llama.cpp reads for this family (keys as its converter writes them). */
    static void architectureMetadata(GgufWriter w, Model m) {
        ModelConfig c = m.config();
        String a = Architecture.ggufName(c.architecture());
        w.put("general.architecture", a).put("general.name", m.id());
        w.put(a + ".context_length", c.contextLength()).put(a + ".embedding_length", c.hiddenSize())
                .put(a + ".block_count", c.layers()).put(a + ".feed_forward_length", c.intermediateSize())
                .put(a + ".attention.head_count", c.heads()).put(a + ".attention.head_count_kv", c.kvHeads())
                .put(a + ".rope.freq_base", (float) c.ropeTheta()).put(a + ".rope.dimension_count", c.rotaryDims())
                .put(a + ".attention.key_length", c.headDim()).put(a + ".attention.value_length", c.headDim())
                .put(a + ".vocab_size", c.vocabSize());
        String eps = c.norm() == ModelConfig.Norm.RMS ? ".attention.layer_norm_rms_epsilon" : ".attention.layer_norm_epsilon";
        w.put(a + eps, (float) c.normEps());
        if (!Float.isNaN(c.clipQkv())) w.put(a + ".attention.clamp_kqv", c.clipQkv());
        if (c.architecture().equals("gpt_neox")) w.put(a + ".use_parallel_residual", c.parallelResidual());
        if (c.slidingWindow() > 0) w.put(a + ".attention.sliding_window", c.slidingWindow());
        if (c.architecture().equals("phi3")) w.put(a + ".rope.scaling.original_context_length", c.contextLength());
        if (c.ropeScaling() != null && c.ropeScaling().type().equals("linear")) {
            w.put(a + ".rope.scaling.type", "linear").put(a + ".rope.scaling.factor", (float) c.ropeScaling().factor());
        }
    }

    /**
     * llama3-style (or explicit) rope scaling as llama.cpp stores it: a rope_freqs tensor of per-frequency
     * divisors (unscaled / scaled inverse frequency); null when the rotary frequencies are plain or linear.
     */
    private static float[] ropeDivisors(ModelConfig c) {
        if (c.ropeScaling() == null || c.ropeScaling().type().equals("linear")) return null;
        double[] scaled = c.ropeInverseFrequencies();
        float[] div = new float[scaled.length];
        for (int i = 0; i < div.length; i++) {
            double plain = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / c.rotaryDims());
            div[i] = (float) (plain / scaled[i]);
        }
        return div;
    }

    /** llama.cpp's general.file_type (llama_ftype) for a file whose matrices are mostly {@code type}. */
    static int fileType(int type) {
        return switch (type) {
            case GgmlType.F32 -> 0;
            case GgmlType.F16 -> 1;
            case GgmlType.Q4_0 -> 2;
            case GgmlType.Q4_1 -> 3;
            case GgmlType.Q8_0 -> 7;
            case GgmlType.Q4_K -> 15; // Q4_K_M
            case GgmlType.Q5_K -> 17; // Q5_K_M
            case GgmlType.Q6_K -> 18;
            case GgmlType.BF16 -> 32;
            default -> throw new IllegalArgumentException(GgmlType.name(type));
        };
    }

    private static Entry matrix(String name, Tensor t, int layer, String role) {
        return new Entry(name, RowSource.of(t), true, layer, role);
    }

    private static void vector(List<Entry> out, String name, float[] v, int layer) {
        if (v != null) out.add(new Entry(name, RowSource.vector(v), false, layer, "vector"));
    }
}
