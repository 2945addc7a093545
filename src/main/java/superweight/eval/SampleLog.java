package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * lm-eval's per-sample log ({@code --log_samples}: one {@code samples_<task>_<date>.jsonl} line per document), with
 * its field names: {@code doc_id}, {@code doc}, {@code target}, {@code arguments} ({@code gen_args_i.arg_j}),
 * {@code resps} and {@code filtered_resps} (log-likelihood and is-greedy as Python's {@code str()} prints them, as
 * lm-eval's {@code sanitize_list} stores them), {@code filter}, {@code metrics}, {@code doc_hash},
 * {@code prompt_hash}, {@code target_hash}, then the item's own metric values (acc, acc_norm, perplexity, ...).
 */
public final class SampleLog {
    /** One scored document. */
    public record Sample(JsonNode doc, TaskItem item, List<ChoiceScore> scores) {
        public Sample {
            scores = List.copyOf(scores);
        }
    }

    private SampleLog() {
    }

    /** The JSON-lines text of a task's samples. */
    public static String jsonLines(TaskSpec spec, List<Sample> samples) {
        StringBuilder sb = new StringBuilder();
        for (Sample s : samples) sb.append(sample(spec, s)).append('\n');
        return sb.toString();
    }

    static ObjectNode sample(TaskSpec spec, Sample s) {
        ObjectNode o = Documents.JSON.createObjectNode();
        TaskItem item = s.item();
        o.put("doc_id", item.index());
        o.set("doc", s.doc());
        Object target = target(spec, s);
        if (target instanceof Integer i) o.put("target", i);
        else o.put("target", (String) target);
        ObjectNode args = o.putObject("arguments");
        for (int i = 0; i < item.requests().size(); i++) {
            Request r = item.requests().get(i);
            ObjectNode a = args.putObject("gen_args_" + i);
            if (r.rolling()) {
                a.put("arg_0", r.continuation());
            } else {
                a.put("arg_0", r.context());
                a.put("arg_1", r.continuation());
            }
        }
        ArrayNode resps = o.putArray("resps"), filtered = o.putArray("filtered_resps");
        for (ChoiceScore c : s.scores()) {
            ArrayNode f = spec.kind() == TaskSpec.Kind.LOGLIKELIHOOD_ROLLING ? null : Documents.JSON.createArrayNode();
            if (f == null) {
                resps.addArray().add(pythonRepr(c.logLikelihood()));
                filtered.add(pythonRepr(c.logLikelihood()));
            } else {
                f.add(pythonRepr(c.logLikelihood())).add(c.greedy() ? "True" : "False");
                resps.addArray().add(f);
                filtered.add(f.deepCopy());
            }
        }
        o.put("filter", "none");
        ObjectNode metrics = metrics(spec, s);
        ArrayNode names = o.putArray("metrics");
        metrics.fieldNames().forEachRemaining(names::add);
        o.put("doc_hash", sha256(pythonJson(s.doc(), 0)));
        Request first = item.requests().getFirst();
        o.put("prompt_hash", sha256(first.rolling() ? first.continuation() : first.context()));
        o.put("target_hash", sha256(String.valueOf(target)));
        o.setAll(metrics);
        return o;
    }

    /** lm-eval's {@code doc_to_target}: the gold index for choice tasks, the target text otherwise. */
    private static Object target(TaskSpec spec, Sample s) {
        return switch (spec.kind()) {
            case MULTIPLE_CHOICE -> s.item().gold();
            case MULTIPLE_INPUT, LOGLIKELIHOOD, LOGLIKELIHOOD_ROLLING -> spec.target().apply(s.doc());
        };
    }

    /** The per-item values lm-eval's process_results returns for this task's metrics. */
    private static ObjectNode metrics(TaskSpec spec, Sample s) {
        ObjectNode m = Documents.JSON.createObjectNode();
        List<ChoiceScore> sc = s.scores();
        for (String metric : spec.metrics()) {
            switch (metric) {
                case "acc" -> {
                    if (spec.kind() == TaskSpec.Kind.LOGLIKELIHOOD) m.put("acc", sc.getFirst().greedy() ? 1 : 0);
                    else m.put("acc", Metrics.acc(sc, s.item().gold()));
                }
                case "acc_norm" -> m.put("acc_norm", Metrics.accNorm(sc, s.item().choices(), s.item().gold()));
                case "perplexity" -> m.put("perplexity", sc.getFirst().logLikelihood());
                case "word_perplexity" -> m.putArray(metric).add(sc.getFirst().logLikelihood()).add(Wikitext.words(s.item().choices().getFirst()));
                case "byte_perplexity", "bits_per_byte" -> m.putArray(metric).add(sc.getFirst().logLikelihood()).add(Wikitext.bytes(s.item().choices().getFirst()));
                default -> throw new IllegalStateException("unknown metric " + metric);
            }
        }
        return m;
    }

    /** Python's {@code repr(float)}: the shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
    static String pythonRepr(double x) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (x == 0) return (1 / x < 0) ? "-0.0" : "0.0";
        BigDecimal d = new BigDecimal(Double.toString(x)).stripTrailingZeros();
        String digits = d.unscaledValue().abs().toString();
        int exp = digits.length() - d.scale() - 1;   // x = d.ddd × 10^exp
        String sign = x < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        String plain = d.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    /** Python's {@code json.dumps(v, indent=2, ensure_ascii=False)} (what lm-eval hashes as doc_hash). */
    static String pythonJson(JsonNode v, int depth) {
        String pad = "  ".repeat(depth + 1), close = "  ".repeat(depth);
        if (v.isObject()) {
            if (v.isEmpty()) return "{}";
            StringBuilder sb = new StringBuilder("{\n");
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append(pad).append(pythonString(e.getKey())).append(": ").append(pythonJson(e.getValue(), depth + 1));
                sb.append(it.hasNext() ? ",\n" : "\n");
            }
            return sb.append(close).append('}').toString();
        }
        if (v.isArray()) {
            if (v.isEmpty()) return "[]";
            StringBuilder sb = new StringBuilder("[\n");
            for (int i = 0; i < v.size(); i++) {
                sb.append(pad).append(pythonJson(v.get(i), depth + 1)).append(i + 1 < v.size() ? ",\n" : "\n");
            }
            return sb.append(close).append(']').toString();
        }
        if (v.isTextual()) return pythonString(v.asText());
        if (v.isBoolean()) return v.asBoolean() ? "true" : "false";
        if (v.isNull()) return "null";
        if (v.isIntegralNumber()) return v.bigIntegerValue().toString();
        double d = v.asDouble();
        return Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : pythonRepr(d);
    }

    private static String pythonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
