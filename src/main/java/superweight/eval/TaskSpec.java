package superweight.eval;

import com.fasterxml.jackson.databind.JsonNode;
import superweight.SuperweightException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A task as data, the way an lm-evaluation-harness task YAML describes it: where its documents come from, the
 * query template ({@code doc_to_text}), the answer choices ({@code doc_to_choice}), the gold index
 * ({@code doc_to_target}), the target delimiter and the metrics. Documents are JSON records in the field layout of
 * the Hugging Face data set lm-eval loads, so the templates read the same field names as the YAML.
 *
 * @param kind           how requests are formed (see {@link Kind})
 * @param target         {@code doc_to_target} text for {@link Kind#MULTIPLE_INPUT} and {@link Kind#LOGLIKELIHOOD}
 * @param metrics        metric names as in lm-eval: acc, acc_norm, perplexity, word_perplexity, byte_perplexity, bits_per_byte
 * @param sources        where documents may be found, in order of preference
 */
public record TaskSpec(String name, double version, Kind kind, Function<JsonNode, String> text,
                       Function<JsonNode, List<String>> choices, ToIntFunction<JsonNode> gold,
                       Function<JsonNode, String> target, String targetDelimiter, List<String> metrics,
                       List<DataSource> sources) {

    public enum Kind {
        /** One context, one request per choice: (text, delimiter + choice). */
        MULTIPLE_CHOICE,
        /** The choices are contexts (lm-eval "multiple input", winogrande's partial evaluation): (choice, delimiter + target). */
        MULTIPLE_INPUT,
        /** One request (text, target); acc = every target token greedy (lambada). */
        LOGLIKELIHOOD,
        /**
         * One rolling request over the whole target (lm-eval {@code loglikelihood_rolling}); {@code text} gives the
         * original document whose words and bytes normalise the metrics (kept as the item's only "choice").
         */
        LOGLIKELIHOOD_ROLLING
    }

    public TaskSpec {
        metrics = List.copyOf(metrics);
        sources = List.copyOf(sources);
    }

    /** The requests of one document, exactly as lm-eval's ConfigurableTask.construct_requests forms them. */
    public TaskItem item(int index, JsonNode doc) {
        try {
            return switch (kind) {
                case MULTIPLE_CHOICE -> {
                    String ctx = text.apply(doc);
                    List<String> cs = choices.apply(doc);
                    List<Request> rs = new ArrayList<>();
                    for (String c : cs) rs.add(new Request(ctx, targetDelimiter + c));
                    yield new TaskItem(name, index, rs, cs, checkedGold(doc, cs.size()));
                }
                case MULTIPLE_INPUT -> {
                    String cont = target.apply(doc);
                    List<String> cs = choices.apply(doc);
                    List<Request> rs = new ArrayList<>();
                    for (String c : cs) rs.add(new Request(c, targetDelimiter + cont));
                    yield new TaskItem(name, index, rs, cs, checkedGold(doc, cs.size()));
                }
                case LOGLIKELIHOOD -> new TaskItem(name, index, List.of(new Request(text.apply(doc), target.apply(doc))), List.of(), -1);
                case LOGLIKELIHOOD_ROLLING -> new TaskItem(name, index, List.of(Request.rolling(target.apply(doc))), List.of(text.apply(doc)), -1);
            };
        } catch (SuperweightException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SuperweightException(name + " document " + index + ": cannot build the prompt (" + e + ")", e);
        }
    }

    private int checkedGold(JsonNode doc, int n) {
        int g = gold.applyAsInt(doc);
        if (g < 0 || g >= n) throw new SuperweightException(name + ": gold answer " + g + " outside the " + n + " choices of " + doc);
        return g;
    }
}
