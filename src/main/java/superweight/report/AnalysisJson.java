package superweight.report;

import superweight.analysis.Candidate;
import superweight.analysis.Catalog;
import superweight.analysis.Detection;
import superweight.analysis.LayerMaximum;
import superweight.analysis.SuperActivation;
import superweight.analysis.SuperWeight;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The analysis records as JSON-ready maps with snake_case keys (the shapes documented in docs/analysis.md). */
public final class AnalysisJson {
    private AnalysisJson() {
    }

    public static Map<String, Object> superWeight(SuperWeight s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", s.layer());
        m.put("row", s.row());
        m.put("col", s.col());
        m.put("value", Float.isNaN(s.value()) ? null : s.value());
        return m;
    }

    public static List<Map<String, Object>> superWeights(List<SuperWeight> l) {
        return l.stream().map(AnalysisJson::superWeight).toList();
    }

    public static Map<String, Object> superActivation(SuperActivation a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", a.layer());
        m.put("position", a.position());
        m.put("channel", a.channel());
        m.put("value", a.value());
        return m;
    }

    public static Map<String, Object> layerMaximum(LayerMaximum l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", l.layer());
        m.put("max_in", l.maxIn());
        m.put("max_in_position", l.maxInPosition());
        m.put("max_in_channel", l.maxInChannel());
        m.put("max_out", l.maxOut());
        m.put("max_out_position", l.maxOutPosition());
        m.put("max_out_channel", l.maxOutChannel());
        m.put("median_abs_in", finite(l.medianAbsIn()));
        m.put("median_abs_out", finite(l.medianAbsOut()));
        return m;
    }

    public static Map<String, Object> agreement(Catalog.Agreement a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("query", a.query());
        m.put("model_id", a.modelId());
        m.put("catalogued", a.catalogued());
        m.put("agrees", a.exact());
        m.put("published", superWeights(a.published()));
        m.put("confirmed", superWeights(a.confirmed()));
        m.put("missed", superWeights(a.missed()));
        m.put("extra", superWeights(a.extra()));
        m.put("summary", a.summary());
        return m;
    }

    /** One candidate with its evidence: same token, explained share, persistence (residual values) and class. */
    public static Map<String, Object> candidate(Candidate c) {
        Map<String, Object> m = superWeight(c.weight());
        m.put("pass", c.pass());
        m.put("class", c.kind().text());
        m.put("max_in", c.spike().maxIn());
        m.put("max_in_position", c.spike().maxInPosition());
        m.put("max_out", c.spike().maxOut());
        m.put("max_out_position", c.spike().maxOutPosition());
        m.put("input_ratio", finite(c.spike().inputRatio()));
        m.put("output_ratio", finite(c.spike().outputRatio()));
        m.put("same_token", c.sameToken());
        m.put("explained_share", finite(c.explainedShare()));
        m.put("persistence", c.persistence());
        m.put("residual", c.residual().stream().map(r -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("layer", r.layer());
            v.put("original", r.original());
            v.put("zeroed", r.zeroed());
            return v;
        }).toList());
        return m;
    }

    /** The detection result: rule, super weights (with their evidence), every candidate, every iteration, first/last pass maxima. */
    public static Map<String, Object> detection(Detection d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", d.rule().label());
        m.put("max_iterations", d.maxIterations());
        m.put("super_weights", d.superWeights().stream().map(s -> {
            Map<String, Object> w = superWeight(s);
            Candidate c = d.candidate(s);
            w.put("explained_share", finite(c.explainedShare()));
            w.put("persistence", c.persistence());
            return w;
        }).toList());
        m.put("super_activations", d.superActivations().stream().map(AnalysisJson::superActivation).toList());
        m.put("candidates", d.candidates().stream().map(AnalysisJson::candidate).toList());
        List<Map<String, Object>> its = new ArrayList<>();
        for (Detection.Iteration it : d.iterations()) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("iteration", it.index());
            i.put("zeroed", superWeights(it.zeroed()));
            i.put("found", superWeights(it.found()));
            i.put("per_layer", it.perLayer().stream().map(AnalysisJson::layerMaximum).toList());
            its.add(i);
        }
        m.put("iterations", its);
        m.put("per_layer", d.before().stream().map(AnalysisJson::layerMaximum).toList());
        m.put("per_layer_after", d.after().stream().map(AnalysisJson::layerMaximum).toList());
        return m;
    }

    /** JSON has no NaN or infinity: null instead. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
